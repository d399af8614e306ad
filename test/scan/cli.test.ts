/**
 * The command line: `registerScanCommand` on a commander program (in-process), and the real
 * `airlock` binary (`node --import tsx src/cli/main.ts scan ...`) for exit codes, stdout and
 * stderr — skipped, with the reason, while main.ts does not register the scan command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { registerScanCommand } from '../../src/cli/commands/scan.js';
import { FIXTURES, fixture, tempDir } from './helpers/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'src/cli/main.ts');

function airlock(args: string[], timeout = 120_000) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: FIXTURES,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const help = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--help'], {
  cwd: ROOT,
  encoding: 'utf8',
  timeout: 60_000,
});
const binarySkip = /\bscan\b/.test(help.stdout)
  ? false
  : 'src/cli/main.ts does not register the scan command yet (registerScanCommand from src/cli/commands/scan.ts)';

describe('scan command (in-process)', () => {
  it('parses the options, writes the report and sets the exit code', async (t) => {
    const dir = await tempDir();
    const out = path.join(dir, 'r.json');
    const program = new Command('airlock').exitOverride();
    registerScanCommand(program);
    const saved = process.exitCode;
    t.after(() => {
      process.exitCode = saved;
    });
    await program.parseAsync(
      [
        'scan',
        fixture('gemini-tmp/3c9a/logs.json'),
        '--format',
        'json',
        '--output',
        out,
        '--no-progress',
        '--fail-on',
        'low',
      ],
      { from: 'user' },
    );
    const report = JSON.parse(await readFile(out, 'utf8')) as { failOn: string; files: { format: string }[] };
    assert.equal(report.failOn, 'low');
    assert.equal(report.files[0]?.format, 'gemini-cli');
    assert.equal(typeof process.exitCode, 'number');
    const bad = new Command('airlock').exitOverride();
    bad.configureOutput({ writeErr: () => undefined }); // before registering: subcommands copy it
    registerScanCommand(bad);
    await assert.rejects(
      bad.parseAsync(['scan', '--fail-on', 'severe'], { from: 'user' }),
      /Allowed choices are low, medium, high, critical/,
    );
  });
});

describe('airlock scan (binary)', { skip: binarySkip }, () => {
  it(
    'exit 1 with findings, SARIF on stdout; exit 0 under a high threshold; exit 2 on usage errors',
    { timeout: 300_000 },
    () => {
      const sarif = airlock(['scan', 'claude-code-session.jsonl', '--format', 'sarif']);
      assert.equal(sarif.code, 1, sarif.stderr);
      assert.equal((JSON.parse(sarif.stdout) as { version: string }).version, '2.1.0');
      const clean = airlock(['scan', 'gemini-tmp/3c9a/logs.json', '--fail-on', 'critical']);
      assert.equal(clean.code, 0, clean.stderr);
      assert.match(clean.stdout, /Fail on critical: 0 findings at or above/);
      assert.equal(airlock(['scan', 'nope.jsonl']).code, 2);
      assert.equal(airlock(['scan', '--format', 'xml', '.']).code, 2);
    },
  );

  it(
    'a named FIFO is skipped with a warning instead of waiting for a writer',
    { timeout: 120_000 },
    async () => {
      const dir = await tempDir();
      const fifo = path.join(dir, 'pipe.jsonl');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const res = airlock(['scan', fifo, '--no-progress'], 20_000);
      assert.equal(res.code, 0, `exit ${res.code} (null: killed after waiting on the FIFO) ${res.stderr}`);
      assert.match(res.stdout, /pipe\.jsonl: not a regular file, skipped/);
      // Counted among the files, as skipped, like a binary file ("1 file ... Skipped: 1 file").
      assert.match(res.stdout, /^airlock scan: 1 file, /);
      assert.match(res.stdout, /^Skipped: 1 file /m);
    },
  );
});
