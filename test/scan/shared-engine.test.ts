/**
 * The machine's values are learned once, in the main thread, and the workers make their
 * engines from them: the workers must find exactly what the main thread's engine finds,
 * canaries included.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Canary } from '../../src/detect/canary-encodings.js';
import { createEngine as createScanEngine } from '../../src/scan/default-engine.js';
import { runScan } from '../../src/scan/run.js';
import { AWS, FIXTURES, tempDir, where } from './helpers/run.js';

const HOST: Canary = {
  label: 'hostname',
  kind: 'hostname',
  category: 'environment',
  severity: 'medium',
  source: 'test',
  value: 'qa-devbox-7f3a',
  caseInsensitive: true,
};

const ENGINE = {
  module: new URL('../../src/scan/default-engine.ts', import.meta.url).href,
  options: { learned: [HOST] },
};

describe("workers' engines, made from the main thread's learned values", () => {
  it('gives worker engines the learned canaries, and theirs finds what this one finds', async () => {
    const engine = await createScanEngine({ learned: [HOST] });
    const options = engine.forWorkers();
    assert.deepEqual(options.learned, [HOST]);
    const text = `ssh to QA-DEVBOX-7F3A with key ${AWS} at /home/jdoe/work`;
    const input = [{ path: ['t'], role: 'user' as const, text }];
    const worker = await createScanEngine(options);
    assert.deepEqual(worker.scan(input), engine.scan(input));
    assert.ok(engine.scan(input).some((f) => f.ruleId === 'canary.hostname'));
  });

  it('worker threads find what the main thread finds, canaries included', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'notes.jsonl'),
      `${JSON.stringify({ text: 'logged in to qa-devbox-7f3a as root' })}\n`,
    );
    const scan = async (workers: number) =>
      (
        await runScan({
          paths: [FIXTURES, dir],
          engine: ENGINE,
          workers,
          cwd: FIXTURES,
          reveal: true,
          format: 'json',
        })
      ).report!;
    const inThread = await scan(0);
    const pooled = await scan(2);
    assert.ok(inThread.findings.some((f) => f.ruleId === 'canary.hostname'));
    assert.deepEqual(
      pooled.findings.map((f) => `${f.file} ${where(f)}`),
      inThread.findings.map((f) => `${f.file} ${where(f)}`),
    );
    assert.deepEqual(pooled.totals, inThread.totals);
  });
});
