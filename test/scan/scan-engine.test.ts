/**
 * End to end with the project's detection engine (src/detect, through default-engine.ts): every
 * planted value in the real-shaped fixtures is found, in every format, with the category and
 * value kind the engine gives it. Canaries are off so the result does not depend on the machine.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScan } from '../../src/scan/run.js';
import type { ScanFinding } from '../../src/scan/types.js';
import { AWS, FIXTURES, GHP } from './helpers/run.js';

const ENGINE = {
  module: new URL('../../src/scan/default-engine.ts', import.meta.url).href,
  options: { canaries: false },
};

async function scanAll(workers: number): Promise<ScanFinding[]> {
  const result = await runScan({
    paths: [FIXTURES],
    engine: ENGINE,
    workers,
    cwd: FIXTURES,
    reveal: true,
    format: 'json',
  });
  assert.equal(result.exitCode, 1);
  return result.report!.findings;
}

const has = (findings: ScanFinding[], file: string, kind: string, value?: string): boolean =>
  findings.some((f) => f.file === file && f.kind === kind && (value === undefined || f.value === value));

describe('scan with the detection engine', () => {
  it('finds the planted secrets in every transcript format and capture', { timeout: 120_000 }, async () => {
    const findings = await scanAll(0);
    for (const file of [
      'claude-code-session.jsonl',
      'codex-rollout.jsonl',
      'gemini-session.jsonl',
      'request-body.json',
      'audit-export.jsonl',
      'build-output.txt',
    ]) {
      assert.ok(has(findings, file, 'aws-access-key', AWS), `AWS key in ${file}`);
    }
    for (const file of [
      'claude-code-session.jsonl',
      'codex-rollout.jsonl',
      'qwen-session.jsonl',
      'capture.har',
      'gemini-tmp/3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json',
      'truncated.jsonl',
    ]) {
      assert.ok(has(findings, file, 'github-token', GHP), `GitHub token in ${file}`);
    }
    assert.ok(
      findings
        .filter((f) => f.category === 'secret')
        .every((f) => f.severity === 'critical' || f.severity === 'high'),
    );
  });

  it(
    'finds what a HAR says about the machine: client headers, session ids, keys in credential headers',
    { timeout: 120_000 },
    async () => {
      const har = (await scanAll(0)).filter((f) => f.file === 'capture.har');
      const headers = har
        .filter((f) => f.role === 'header')
        .map((f) => `${f.category} ${f.path.slice(3).join('.')}`);
      assert.ok(headers.includes('header-fingerprint request.headers.2.value'), 'x-stainless-os');
      assert.ok(
        headers.includes('header-fingerprint request.headers.4.value'),
        'x-stainless-runtime-version',
      );
      assert.ok(
        har.some((f) => f.category === 'tracking' && f.path.join('.').endsWith('metadata.user_id')),
        'metadata.user_id device hash',
      );
      assert.ok(
        har.some(
          (f) => f.kind === 'anthropic-key' && f.path.join('.') === 'log.entries.0.request.headers.5.value',
        ),
      );
      assert.ok(har.some((f) => f.kind === 'openai-key' && f.assistant === 'qwen-code'));
      assert.ok(
        har.some((f) => f.category === 'environment' && f.role === 'system'),
        'project path / OS version in the system prompt',
      );
    },
  );

  it(
    'gives the same findings from worker threads, each with its own engine',
    { timeout: 120_000 },
    async () => {
      const view = (fs: ScanFinding[]) =>
        fs.map((f) => `${f.file}:${f.line}:${f.path.join('.')}:${f.ruleId}`);
      assert.deepEqual(view(await scanAll(2)), view(await scanAll(0)));
    },
  );
});
