/**
 * The engine is built once, in the main thread, and the workers make theirs from its learned
 * canaries and compiled tables (shared, not copied): the workers must find exactly what the
 * main thread's engine finds, canaries included, and tables built for other patterns must
 * never be used.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Canary } from '../../src/detect/canary-encodings.js';
import { createEngine as createDetectEngine } from '../../src/detect/engine.js';
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

describe('one engine build shared with the workers', () => {
  it('gives worker engines the learned canaries and the tables in shared memory', async () => {
    const engine = await createScanEngine({ learned: [HOST] });
    const options = engine.forWorkers();
    assert.deepEqual(options.learned, [HOST]);
    assert.ok(options.tables, 'tables for the workers');
    for (const table of [options.tables.dfa.delta, options.tables.dfa.classMap, options.tables.dfa.depth])
      assert.ok(table.buffer instanceof SharedArrayBuffer);
    assert.equal(engine.forWorkers().tables, options.tables, 'shared once, not per worker');
    const text = `ssh to QA-DEVBOX-7F3A with key ${AWS} at /home/jdoe/work`;
    const input = [{ path: ['t'], role: 'user' as const, text }];
    const fromTables = await createScanEngine(options);
    assert.deepEqual(fromTables.scan(input), engine.scan(input));
    assert.ok(engine.scan(input).some((f) => f.ruleId === 'canary.hostname'));
  });

  it('uses tables only when they were built for the same patterns', () => {
    const built = createDetectEngine({ canaries: [HOST] });
    const same = createDetectEngine({ canaries: [HOST], tables: built.tables });
    assert.equal(same.tables.dfa, built.tables.dfa, 'same patterns: reused');
    const other = createDetectEngine({
      canaries: [HOST],
      corporateSuffixes: ['acme-corp.com'],
      tables: built.tables,
    });
    assert.notEqual(other.tables.dfa, built.tables.dfa, 'other patterns: built anew');
    const text = 'deploy to build7.acme-corp.com from qa-devbox-7f3a';
    const fresh = createDetectEngine({ canaries: [HOST], corporateSuffixes: ['acme-corp.com'] });
    const input = [{ path: ['t'], role: 'user' as const, text }];
    assert.deepEqual(other.scan(input), fresh.scan(input));
    assert.ok(other.scan(input).some((f) => f.ruleId === 'env.corporate-hostname'));
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
