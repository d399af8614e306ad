/**
 * CI behaviour: exit codes by --fail-on, usage and input errors (2), and baselines whose
 * fingerprints survive lines moving but not a changed value.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixture, scanWithTestEngine, tempDir } from './helpers/run.js';

describe('exit codes', () => {
  // audit-export.jsonl has one critical finding; qwen-session.jsonl: high, medium, low.
  it('exits 1 when a finding is at or above --fail-on, 0 when none is', async () => {
    const qwen = fixture('qwen-session.jsonl');
    assert.equal((await scanWithTestEngine([qwen], { failOn: 'high' })).exitCode, 1);
    assert.equal((await scanWithTestEngine([qwen], { failOn: 'critical' })).exitCode, 0);
    assert.equal((await scanWithTestEngine([qwen], { failOn: 'low' })).exitCode, 1);
    assert.equal(
      (await scanWithTestEngine([fixture('audit-export.jsonl')], { failOn: 'critical' })).exitCode,
      1,
    );
  });

  it('defaults to --fail-on high', async () => {
    const result = await scanWithTestEngine([fixture('gemini-tmp/3c9a/logs.json')]);
    assert.equal(result.report?.failOn, 'high');
    assert.equal(result.report?.findings[0]?.severity, 'medium');
    assert.equal(result.exitCode, 0);
  });

  it('exits 0 on a clean folder, and warnings alone do not fail the scan', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'clean.txt'), 'nothing to see\n');
    await copyFile(fixture('binary.bin'), path.join(dir, 'blob.bin'));
    const result = await scanWithTestEngine([dir], { failOn: 'low' });
    assert.equal(result.exitCode, 0);
    assert.equal(result.report?.totals.filesSkipped, 1);
  });

  it('exits 2 for usage and input errors: missing path, bad severity, bad format, bad baseline', async () => {
    const missing = await scanWithTestEngine(['/nonexistent/airlock-scan-test']);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.errors, /no such file or folder: \/nonexistent\/airlock-scan-test/);
    assert.equal(
      (await scanWithTestEngine([fixture('build-output.txt')], { failOn: 'severe' as never })).exitCode,
      2,
    );
    assert.equal(
      (await scanWithTestEngine([fixture('build-output.txt')], { format: 'xml' as never })).exitCode,
      2,
    );
    const dir = await tempDir();
    const bad = path.join(dir, 'baseline.json');
    await writeFile(bad, '{"version": 2}');
    const badBaseline = await scanWithTestEngine([fixture('build-output.txt')], { baseline: bad });
    assert.equal(badBaseline.exitCode, 2);
    assert.match(badBaseline.errors, /not an airlock baseline/);
  });
});

describe('baseline', () => {
  it('accepts the findings written by --write-baseline, even after lines move; new values still fail', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'session.jsonl');
    const baseline = path.join(dir, 'airlock-baseline.json');
    const original = await readFile(fixture('claude-code-session.jsonl'), 'utf8');
    await writeFile(log, original);

    const first = await scanWithTestEngine([log], { writeBaseline: baseline, cwd: dir });
    assert.equal(first.exitCode, 1);
    const written = JSON.parse(await readFile(baseline, 'utf8')) as {
      key: string;
      findings: { fingerprint: string; file: string; preview: string }[];
    };
    // Five findings, four distinct values: the home path is found in two roles, one fingerprint.
    assert.equal(written.findings.length, 4);
    assert.ok(written.findings.every((f) => f.file === 'session.jsonl'));
    assert.ok(!JSON.stringify(written).includes('AKIAQ3EGZ7PLXN4TRW6M'), 'the baseline holds no raw value');

    // Lines added above every finding: same fingerprints, all accepted.
    const shifted = `${'{"type":"file-history-snapshot","messageId":"x","snapshot":{}}\n'.repeat(3)}${original}`;
    await writeFile(log, shifted);
    const second = await scanWithTestEngine([log], { baseline, cwd: dir });
    assert.equal(second.exitCode, 0);
    assert.equal(second.report?.totals.baselined, 5);
    assert.equal(second.report?.findings.length, 0);

    // A new secret is not in the baseline.
    await writeFile(
      log,
      `${shifted}${JSON.stringify({ type: 'user', uuid: 'n1', sessionId: 's', message: { role: 'user', content: 'new key AKIAZZZZZZZZZZZZZZZ9' } })}\n`,
    );
    const third = await scanWithTestEngine([log], { baseline, cwd: dir });
    assert.equal(third.exitCode, 1);
    assert.deepEqual(
      third.report?.findings.map((f) => [f.ruleId, f.line]),
      [['test.aws-access-key', 11]],
    );
  });

  it('matches from any working folder: files are named relative to the baseline, in workers too', async () => {
    const repo = path.join(await tempDir(), 'repo');
    await mkdir(path.join(repo, 'logs'), { recursive: true });
    await copyFile(fixture('claude-code-session.jsonl'), path.join(repo, 'logs', 'session.jsonl'));
    const written = await scanWithTestEngine(['.'], { writeBaseline: 'airlock-baseline.json', cwd: repo });
    assert.equal(written.exitCode, 1);

    // CI runs from the folder above, naming the repository and its baseline from there.
    const parent = path.dirname(repo);
    for (const workers of [0, 1]) {
      const again = await scanWithTestEngine(['repo'], {
        baseline: 'repo/airlock-baseline.json',
        cwd: parent,
        workers,
      });
      assert.equal(again.report?.findings[0]?.file, undefined, `workers: ${workers}`);
      assert.equal(again.report?.totals.baselined, 5);
      assert.equal(again.exitCode, 0);
    }
  });

  it('fingerprints depend on the baseline key, so a baseline matches only scans that use it', async () => {
    const dir = await tempDir();
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    await scanWithTestEngine([fixture('qwen-session.jsonl')], { writeBaseline: a });
    await scanWithTestEngine([fixture('qwen-session.jsonl')], { writeBaseline: b });
    const fa = (
      JSON.parse(await readFile(a, 'utf8')) as { findings: { fingerprint: string }[] }
    ).findings.map((f) => f.fingerprint);
    const fb = (
      JSON.parse(await readFile(b, 'utf8')) as { findings: { fingerprint: string }[] }
    ).findings.map((f) => f.fingerprint);
    assert.equal(fa.length, 3); // the home path appears twice, one fingerprint
    assert.equal(fa.filter((f) => fb.includes(f)).length, 0);
  });
});
