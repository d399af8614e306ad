/**
 * Scale: the worker pool gives the same report as the in-thread scan (each worker with its own
 * engine, and with this thread scanning beside the workers), the progress bar draws only on a
 * TTY, and with no path the scanner reads the known transcript folders of the user's home.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadEngine } from '../../src/scan/engine.js';
import { discoverFiles } from '../../src/scan/files.js';
import { scanInWorkers } from '../../src/scan/pool.js';
import type { ProgressSink } from '../../src/scan/progress.js';
import { DEFAULT_LIMITS } from '../../src/scan/readers/read-file.js';
import { prepareFile } from '../../src/scan/scan-file.js';
import { TEST_ENGINE } from './helpers/regex-engine.js';
import { FIXTURES, fixture, scanWithTestEngine, tempDir, where } from './helpers/run.js';

type Report = NonNullable<Awaited<ReturnType<typeof scanWithTestEngine>>['report']>;

/** The same findings in the same places (listed first, for a readable diff), warnings and totals. */
function assertSameReport(got: Report, want: Report): void {
  assert.deepEqual(
    got.findings.map((f) => `${f.file} ${where(f)}`),
    want.findings.map((f) => `${f.file} ${where(f)}`),
  );
  assert.deepEqual(got.warnings, want.warnings);
  assert.deepEqual(got.totals, want.totals);
}

/** A small input gets 2 GB worker heaps: the hog is stopped sooner (and lighter) with less. */
const HOG_HEAP_MB = 160;

describe('workers and progress', () => {
  it('worker threads find exactly what the in-thread scan finds', { timeout: 120_000 }, async () => {
    const inThread = (await scanWithTestEngine([FIXTURES], { workers: 0, reveal: true })).report!;
    const pooled = (await scanWithTestEngine([FIXTURES], { workers: 2, reveal: true })).report!;
    assertSameReport(pooled, inThread);
  });

  it(
    'this thread scanning beside a worker finds exactly what the in-thread scan finds',
    { timeout: 120_000 },
    async () => {
      const inThread = (await scanWithTestEngine([FIXTURES], { workers: 0, reveal: true })).report!;
      const beside = (await scanWithTestEngine([FIXTURES], { workers: 1, alongside: true, reveal: true }))
        .report!;
      assertSameReport(beside, inThread);
      assert.deepEqual(beside.findings, inThread.findings);
      assert.deepEqual(beside.files, inThread.files);
    },
  );

  it(
    'with this thread scanning too, every file is scanned once, by this thread or a worker',
    { timeout: 120_000 },
    async () => {
      const found = await discoverFiles([FIXTURES], FIXTURES, { transcriptsOnly: false, explicit: true });
      const setup = {
        engine: TEST_ENGINE,
        fingerprintKey: 'k',
        reveal: false,
        limits: DEFAULT_LIMITS,
        maxFindings: 10_000,
      };
      const engine = await loadEngine(TEST_ENGINE);
      const here: string[] = [];
      const done: string[] = [];
      await scanInWorkers(
        found.files,
        2,
        setup,
        { onBytes: () => undefined, onFile: (_result, file) => done.push(file.display) },
        {
          local: (file) => {
            here.push(file.display);
            return prepareFile(file.path, file.display, { ...setup, engine });
          },
        },
      );
      assert.ok(found.files.length > 2);
      assert.deepEqual([...done].sort(), found.files.map((f) => f.display).sort());
      // This thread takes the largest file at once: the workers are still starting.
      assert.ok(here.length >= 1);
    },
  );

  it('a worker whose engine fails to load fails the scan with the reason', { timeout: 60_000 }, async () => {
    const bad = { module: new URL('./helpers/run.ts', import.meta.url).href };
    await assert.rejects(
      scanWithTestEngine([FIXTURES], { workers: 1, engine: bad }),
      /does not export createEngine/,
    );
  });

  it(
    'a file that exhausts a worker heap is skipped with a warning; a new worker scans the rest',
    { timeout: 180_000 },
    async () => {
      const dir = await tempDir();
      await writeFile(path.join(dir, 'a-hog.txt'), 'EXHAUST-WORKER-MEMORY\n');
      for (const name of ['b.jsonl', 'c.jsonl', 'd.jsonl'])
        await copyFile(fixture('qwen-session.jsonl'), path.join(dir, name));
      const hog = { module: new URL('./helpers/hog-engine.ts', import.meta.url).href };
      const report = (await scanWithTestEngine([dir], { workers: 1, engine: hog, workerHeapMb: HOG_HEAP_MB }))
        .report!;
      assert.deepEqual(
        report.warnings.map((w) => path.basename(w.file)),
        ['a-hog.txt'],
      );
      assert.match(report.warnings[0]!.message, /skipped: the worker scanning it stopped \(.*memory/i);
      assert.equal(report.totals.filesSkipped, 1);
      assert.deepEqual(
        [...new Set(report.findings.map((f) => path.basename(f.file)))],
        ['b.jsonl', 'c.jsonl', 'd.jsonl'],
      );
    },
  );

  it(
    'files sent ahead to a worker that runs out of memory are scanned by the next worker',
    { timeout: 180_000 },
    async () => {
      const dir = await tempDir();
      // Largest first: the hog is scanned first, with the next file already sent to the worker.
      await writeFile(
        path.join(dir, 'a-hog.txt'),
        `EXHAUST-WORKER-MEMORY\n${'padding line\n'.repeat(100_000)}`,
      );
      for (const name of ['b.jsonl', 'c.jsonl', 'd.jsonl'])
        await copyFile(fixture('qwen-session.jsonl'), path.join(dir, name));
      const hog = { module: new URL('./helpers/hog-engine.ts', import.meta.url).href };
      const report = (await scanWithTestEngine([dir], { workers: 1, engine: hog, workerHeapMb: HOG_HEAP_MB }))
        .report!;
      assert.deepEqual(
        report.warnings.map((w) => path.basename(w.file)),
        ['a-hog.txt'],
      );
      assert.equal(report.totals.files, 4);
      assert.equal(report.totals.filesSkipped, 1);
      assert.deepEqual(
        [...new Set(report.findings.map((f) => path.basename(f.file)))],
        ['b.jsonl', 'c.jsonl', 'd.jsonl'],
      );
    },
  );

  it('draws a progress bar on a TTY and nothing otherwise', async () => {
    const writes: string[] = [];
    const tty: ProgressSink = { isTTY: true, columns: 120, write: (t) => writes.push(t) };
    await scanWithTestEngine([FIXTURES], { progress: tty });
    assert.ok(
      writes.some((w) => /\d+\/13 files, [\d.]+ [KM]?B\/[\d.]+ KB, \d+ findings, [\d.]+ [KMG]?B\/s$/.test(w)),
      writes.join('|'),
    );
    assert.equal(writes.at(-1), '\r\x1b[2K', 'the bar is cleared at the end');
    const piped: string[] = [];
    await scanWithTestEngine([FIXTURES], { progress: { isTTY: false, write: (t) => piped.push(t) } });
    assert.deepEqual(piped, []);
  });

  it('with no path, scans the transcript folders of the home folder, session files only', async () => {
    const home = await tempDir();
    const claude = path.join(home, '.claude', 'projects', '-home-jdoe-work');
    const codex = path.join(home, '.codex', 'sessions', '2026', '11', '19');
    await mkdir(claude, { recursive: true });
    await mkdir(codex, { recursive: true });
    await copyFile(fixture('claude-code-session.jsonl'), path.join(claude, '5b0f3c2e.jsonl'));
    await copyFile(
      fixture('codex-rollout.jsonl'),
      path.join(codex, 'rollout-2026-11-19T14-00-00-0199a1b2.jsonl'),
    );
    await writeFile(path.join(claude, 'notes.md'), 'AKIAQ3EGZ7PLXN4TRW6M\n');
    await writeFile(path.join(home, 'elsewhere.jsonl'), 'AKIAQ3EGZ7PLXN4TRW6M\n');
    const report = (await scanWithTestEngine([], { home, cwd: home })).report!;
    assert.deepEqual(
      report.files.map((f) => [f.file, f.format]),
      [
        ['.claude/projects/-home-jdoe-work/5b0f3c2e.jsonl', 'claude-code'],
        ['.codex/sessions/2026/11/19/rollout-2026-11-19T14-00-00-0199a1b2.jsonl', 'codex'],
      ],
    );
    assert.equal(report.roots.length, 5);
  });
});
