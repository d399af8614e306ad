/**
 * What auditing costs the gateway's event loop, per event, for each durability setting,
 * measured in the same run: `memory` (baseline: no write-ahead), `spool` with fsync never /
 * interval (default) / always. Events are recorded in chunks of 64 with a turn of the event
 * loop between chunks, so the batched SQLite flushes interleave as they would in the gateway.
 * Run alone: `node --import tsx bench/audit-record.ts` (BENCH_QUICK=1 for a smoke run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { AuditRecorder, type RecorderOptions } from '../src/audit/recorder.js';
import { SqliteAuditStore } from '../src/audit/sqlite-store.js';
import { ThreadedSqliteStore } from '../src/audit/sqlite-threaded.js';
import { benchInput } from './audit-fixtures.js';
import { fmt, table } from './lib/stats.js';

const quick = process.env.BENCH_QUICK === '1';

interface Case {
  name: string;
  options: Pick<RecorderOptions, 'durability' | 'fsync'>;
  events: number;
  /** SQLite inserts on a worker thread (ThreadedSqliteStore, the default store). */
  threaded?: boolean;
}

async function run(c: Case): Promise<(string | number)[]> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-record-'));
  const path = join(dir, 'audit.db');
  const store = c.threaded ? new ThreadedSqliteStore({ path }) : new SqliteAuditStore({ path });
  await store.init();
  const recorder = new AuditRecorder({ store, dataDir: dir, ...c.options });
  const inputs = Array.from({ length: c.events }, (_, i) => benchInput(i));
  let recordMs = 0;
  let recordCpuUs = 0;
  let maxSpool = 0;
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const start = performance.now();
  for (let i = 0; i < inputs.length; i += 64) {
    const t = performance.now();
    const c = process.cpuUsage();
    for (const input of inputs.slice(i, i + 64)) recorder.record(input);
    const used = process.cpuUsage(c);
    recordCpuUs += used.user + used.system;
    recordMs += performance.now() - t;
    maxSpool = Math.max(maxSpool, recorder.stats().spoolBytes);
    await turn();
  }
  await recorder.close();
  const { active } = performance.eventLoopUtilization(loop);
  const wallMs = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  const stored = (await store.verify()).events;
  await store.close();
  await rm(dir, { recursive: true, force: true });
  if (stored !== c.events) throw new Error(`${c.name}: stored ${stored} of ${c.events}`);
  return [
    c.name,
    c.events,
    fmt((recordMs * 1000) / c.events, 1),
    fmt(recordCpuUs / c.events, 1),
    fmt((active * 1000) / c.events, 1),
    fmt((user + system) / c.events, 1),
    Math.round(c.events / (wallMs / 1000)).toLocaleString('en-US'),
    `${(maxSpool / 1024).toFixed(0)} KiB`,
  ];
}

export async function runAuditRecordBench(): Promise<string> {
  const n = quick ? 5_000 : 50_000;
  const cases: Case[] = [
    { name: 'memory (baseline)', options: { durability: 'memory' }, events: n },
    { name: 'spool, fsync never', options: { durability: 'spool', fsync: 'never' }, events: n },
    {
      name: 'spool, fsync interval (default)',
      options: { durability: 'spool', fsync: 'interval' },
      events: n,
    },
    {
      name: 'spool, fsync interval, inserts on a thread (default store)',
      options: { durability: 'spool', fsync: 'interval' },
      events: n,
      threaded: true,
    },
    {
      name: 'spool, fsync always',
      options: { durability: 'spool', fsync: 'always' },
      events: quick ? 200 : 2_000,
    },
  ];
  const rows: (string | number)[][] = [];
  for (const c of cases) rows.push(await run(c));
  return [
    'record() = time inside record() on the request path (seal + spool write), wall and CPU. Event loop =',
    'busy time of the main thread per event (what the gateway pays), SQLite inserts included unless on a',
    'thread; process CPU = all threads. events/s = record + flush + close, wall.',
    'On a loaded machine wall times include waiting for a core; CPU times do not.',
    '',
    table(
      [
        'durability',
        'events',
        'record() µs',
        'record() CPU µs',
        'event loop µs/event',
        'process CPU µs/event',
        'events/s',
        'spool peak',
      ],
      rows,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await runAuditRecordBench()}\n`);
}
