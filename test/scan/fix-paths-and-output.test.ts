/**
 * Paths and output files: a baseline matches a tree reached through a symlinked folder, a folder
 * that cannot be listed counts as skipped, a `--reveal` report file is readable by its owner
 * only (created so, or made so when it exists), and a reader that closes stdout early does not
 * crash the command nor change its exit code.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { discoverFiles } from '../../src/scan/files.js';
import { AWS, scanWithTestEngine, tempDir } from './helpers/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'src/cli/main.ts');

describe('a baseline and symlinked folders', () => {
  it('matches a tree reached through a symlink, whichever side the symlink is on', async () => {
    const dir = await tempDir();
    const repo = path.join(dir, 'repo');
    await mkdir(path.join(repo, 'sub'), { recursive: true });
    await writeFile(path.join(repo, 'a.txt'), `key ${AWS}\n`);
    await writeFile(path.join(repo, 'sub', 'b.txt'), `again ${AWS}\n`);
    await symlink(repo, path.join(dir, 'link'));
    const written = await scanWithTestEngine(['.'], { cwd: repo, writeBaseline: 'airlock-baseline.json' });
    assert.equal(written.exitCode, 1);
    const cases: [string, string, string][] = [
      [dir, 'link', 'repo/airlock-baseline.json'],
      [dir, 'repo', 'link/airlock-baseline.json'],
      [dir, 'link', 'link/airlock-baseline.json'],
      [path.join(dir, 'link'), '.', 'airlock-baseline.json'],
      [path.join(dir, 'link', 'sub'), '.', '../airlock-baseline.json'],
    ];
    for (const [cwd, target, baseline] of cases) {
      const result = await scanWithTestEngine([target], { cwd, baseline });
      assert.equal(result.exitCode, 0, `from ${cwd}: scan ${target} --baseline ${baseline}`);
      assert.ok(result.report!.totals.baselined >= 1);
      assert.equal(result.report!.totals.findings, 0);
    }
  });
});

describe('a folder that cannot be listed', () => {
  it('is a warning and counts as skipped', async () => {
    // A path longer than PATH_MAX cannot be listed, not even by root (who reads any mode).
    const dir = await tempDir(true);
    // Made by a child that steps down one folder at a time (relative paths stay short).
    const deep = spawnSync(process.execPath, [
      '-e',
      `const fs = require('node:fs');
      process.chdir(process.argv[1]);
      for (let i = 0; i < 20; i += 1) { fs.mkdirSync('${'d'.repeat(250)}'); process.chdir('${'d'.repeat(250)}'); }`,
      dir,
    ]);
    assert.equal(deep.status, 0, String(deep.stderr));
    await writeFile(path.join(dir, 'a.txt'), 'nothing\n');
    try {
      const found = await discoverFiles([dir], dir, { transcriptsOnly: false, explicit: true });
      assert.equal(found.files.length, 1);
      assert.equal(found.warnings.length, 1);
      assert.match(found.warnings[0]!.message, /^folder unreadable, skipped/);
      assert.equal(found.skipped, 1);
      const report = (await scanWithTestEngine([dir])).report!;
      assert.equal(report.totals.filesSkipped, 1);
    } finally {
      spawnSync('rm', ['-rf', dir]);
    }
  });
});

describe('--reveal with --output', () => {
  it('writes the report readable by its owner only, a new file or one already there', async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'in.txt');
    await writeFile(input, `key ${AWS}\n`);
    const fresh = path.join(dir, 'fresh.json');
    const first = await scanWithTestEngine([input], { reveal: true, output: fresh });
    assert.equal(first.output, '');
    assert.equal((await stat(fresh)).mode & 0o777, 0o600);
    assert.match(await readFile(fresh, 'utf8'), new RegExp(AWS));
    const existing = path.join(dir, 'existing.json');
    await writeFile(existing, 'x'.repeat(100_000));
    await chmod(existing, 0o644);
    await scanWithTestEngine([input], { reveal: true, output: existing });
    assert.equal((await stat(existing)).mode & 0o777, 0o600);
    const text = await readFile(existing, 'utf8');
    assert.ok(!text.includes('xxxx'), 'the old content is gone');
    assert.equal((JSON.parse(text) as { findings: { value?: string }[] }).findings[0]?.value, AWS);
  });
});

describe('stdout closed early', () => {
  it('the command ends quietly with the exit code of the scan', { timeout: 300_000 }, async () => {
    const dir = await tempDir();
    // A clean folder whose JSON report (one summary per file) is far over a pipe's 64 KiB.
    await Promise.all(
      Array.from({ length: 1500 }, (_, i) => writeFile(path.join(dir, `f${i}.txt`), 'nothing\n')),
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'scan', dir, '-f', 'json', '--no-progress'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let got = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      got += chunk.length;
      // Like `| head -c 10`: read a little, then close the pipe.
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.ok(got > 0);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error|at /);
  });
});
