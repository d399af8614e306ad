/**
 * The per-file cap on listed findings and the baseline: findings past the cap still count in the
 * totals and the exit code (a critical secret past thousands of home paths fails CI), the
 * baseline applies before the cap (accepted findings do not use it up), and a baseline written
 * from a capped file accepts all of its findings, or is not written at all.
 */
import assert from 'node:assert/strict';
import { access, appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Baseline } from '../../src/scan/baseline.js';
import { GHP, scanWithTestEngine, tempDir } from './helpers/run.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `n` distinct AWS access key ids (critical for the test engine). */
function keys(n: number, seed = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    let id = 'AKIA';
    for (let j = 0; j < 16; j += 1) id += B32[(i * 7 + j * 13 + seed + ((i >> (j % 5)) & 31)) % 32];
    return id;
  });
}

/** A file of `n` lines `key <id>` in a folder of its own. */
async function keysFile(name: string, n: number): Promise<{ dir: string; f: string }> {
  const dir = await tempDir();
  const f = path.join(dir, name);
  await writeFile(
    f,
    keys(n)
      .map((k) => `key ${k}\n`)
      .join(''),
  );
  return { dir, f };
}

async function file(name: string, text: string): Promise<string> {
  const dir = await tempDir();
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
}

describe('findings past the per-file cap', () => {
  it('count in the totals, by severity, and in the exit code', async () => {
    // Six home paths (medium) fill the cap of 5 and one more; then a critical key, and one of
    // the home paths again past the cap (one finding, not two).
    const lines = Array.from({ length: 6 }, (_, i) => `see /home/user${'abcdef'[i]}/notes.txt`);
    const f = await file('capped.txt', `${lines.join('\n')}\nkey AKIAQ3ZK7XWPL2M4RTV6\n${lines[5]}\n`);
    const result = await scanWithTestEngine([f], { maxFindingsPerFile: 5, format: 'text' });
    const report = result.report!;
    assert.equal(result.exitCode, 1, 'the critical key past the cap fails the scan');
    assert.equal(report.findings.length, 5);
    assert.equal(report.truncated, true);
    assert.equal(report.totals.findings, 7);
    assert.equal(report.totals.unlisted, 2);
    assert.deepEqual(report.totals.bySeverity, { low: 0, medium: 6, high: 0, critical: 1 });
    assert.deepEqual(report.totals.unlistedBySeverity, { low: 0, medium: 1, high: 0, critical: 1 });
    assert.deepEqual(report.totals.byCategory, { environment: 6, secret: 1 });
    assert.equal(report.files[0]?.findings, 7);
    assert.equal(report.warnings.length, 1);
    assert.match(
      report.warnings[0]!.message,
      /^2 more findings not listed \(over the per-file limit of 5\): critical 1, high 0, medium 1, low 0/,
    );
    assert.match(result.output, /Not listed: 2 findings \(critical 1, high 0, medium 1, low 0\)/);
    assert.match(result.output, /Fail on high: 1 finding at or above/);
    const critical = await scanWithTestEngine([f], { maxFindingsPerFile: 5, failOn: 'critical' });
    assert.equal(critical.exitCode, 1);
  });

  it('a clean file under the cap reports no unlisted findings', async () => {
    const f = await file('few.txt', 'see /home/alice/x\n');
    const report = (await scanWithTestEngine([f], { maxFindingsPerFile: 5 })).report!;
    assert.equal(report.truncated, false);
    assert.equal(report.totals.unlisted, 0);
    assert.equal(report.totals.findings, 1);
  });
});

describe('the baseline applies before the cap', () => {
  for (const workers of [0, 1]) {
    it(`a new finding after accepted ones up to the cap is listed and fails the scan (workers: ${workers})`, async () => {
      const { dir, f } = await keysFile('keys.txt', 5);
      const bl = path.join(dir, 'bl.json');
      const written = await scanWithTestEngine([f], { maxFindingsPerFile: 5, writeBaseline: bl, workers });
      assert.equal(written.exitCode, 1);
      await appendFile(f, `new ${GHP}\n`);
      const result = await scanWithTestEngine([f], { maxFindingsPerFile: 5, baseline: bl, workers });
      const report = result.report!;
      assert.equal(result.exitCode, 1, 'the new high finding fails the scan');
      assert.deepEqual(
        report.findings.map((x) => `${x.line} ${x.ruleId}`),
        ['6 test.github-token'],
      );
      assert.equal(report.totals.baselined, 5);
      assert.equal(report.totals.findings, 1);
      // The file's own count leaves the accepted ones out too.
      assert.equal(report.files[0]?.findings, 1);
      assert.equal(report.truncated, false, 'accepted findings do not use up the cap');
    });
  }

  it('a baseline written from a capped file accepts all its findings, past the cap too', async () => {
    for (const workers of [0, 1]) {
      const { dir, f } = await keysFile('many.txt', 8);
      const bl = path.join(dir, 'bl.json');
      const first = await scanWithTestEngine([f], { maxFindingsPerFile: 5, writeBaseline: bl, workers });
      assert.equal(first.report!.totals.unlisted, 3);
      const baseline = JSON.parse(await readFile(bl, 'utf8')) as Baseline;
      assert.equal(baseline.findings.length, 8, `workers: ${workers}`);
      assert.ok(baseline.findings.every((e) => e.file === 'many.txt' || e.file === f));
      assert.ok(baseline.findings.every((e) => e.preview !== undefined && !e.preview.includes('AKIA')));
      const again = await scanWithTestEngine([f], { maxFindingsPerFile: 5, baseline: bl, workers });
      assert.equal(again.exitCode, 0);
      assert.equal(again.report!.totals.findings, 0);
      assert.equal(again.report!.totals.baselined, 8);
      assert.equal(again.report!.truncated, false);
    }
  });

  it('a baseline rewritten with the old one applied keeps the accepted findings', async () => {
    const { dir, f } = await keysFile('k.txt', 5);
    const bl = path.join(dir, 'bl.json');
    await scanWithTestEngine([f], { maxFindingsPerFile: 3, writeBaseline: bl });
    await appendFile(f, `new ${GHP}\n`);
    const bl2 = path.join(dir, 'bl2.json');
    await scanWithTestEngine([f], { maxFindingsPerFile: 3, baseline: bl, writeBaseline: bl2 });
    const baseline = JSON.parse(await readFile(bl2, 'utf8')) as Baseline;
    assert.equal(baseline.findings.length, 6);
    const again = await scanWithTestEngine([f], { maxFindingsPerFile: 3, baseline: bl2 });
    assert.equal(again.exitCode, 0);
    assert.equal(again.report!.totals.baselined, 6);
  });

  it('no baseline is written when a file has more findings past the cap than it may hold', async () => {
    const { dir, f } = await keysFile('many.txt', 8);
    const bl = path.join(dir, 'bl.json');
    const result = await scanWithTestEngine([f], {
      maxFindingsPerFile: 5,
      maxBaselineEntriesPerFile: 2,
      writeBaseline: bl,
    });
    assert.equal(result.exitCode, 2);
    assert.match(
      result.errors,
      /baseline not written: \S*many\.txt has more than 2 findings over the per-file limit of 5/,
    );
    await assert.rejects(access(bl), /ENOENT/);
    // The report is still there, with every finding counted.
    assert.equal(result.report!.totals.findings, 8);
  });
});
