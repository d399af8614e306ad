/**
 * `audit verify` speed (target: at least 100,000 events/s). Fills a SQLite file and a
 * PostgreSQL schema with realistic events in 4 chains, then times, in the same run, a plain
 * scan of the rows (the baseline: what reading alone costs) and the full verification.
 * Run alone: `node --import tsx bench/audit-verify.ts` (BENCH_QUICK=1 for a smoke run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PostgresAuditStore } from '../src/audit/postgres-store.js';
import { SqliteAuditStore } from '../src/audit/sqlite-store.js';
import type { AuditStore } from '../src/audit/store.js';
import { benchChains } from './audit-fixtures.js';
import { fmt, table } from './lib/stats.js';

const quick = process.env.BENCH_QUICK === '1';
const PG_URL = process.env.AIRLOCK_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

async function measure(name: string, store: AuditStore, count: number): Promise<(string | number)[]> {
  const events = benchChains(count, 4);
  for (let i = 0; i < events.length; i += 2000) await store.append(events.slice(i, i + 2000));
  let scanned = 0;
  const scanStart = performance.now();
  for await (const batch of store.chainRows()) scanned += batch.length;
  const scanSeconds = (performance.now() - scanStart) / 1000;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const report = await store.verify();
  const { user, system } = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  const cpuSeconds = (user + system) / 1e6;
  if (!report.ok || report.events !== count || scanned !== count) throw new Error(`${name}: verify failed`);
  const rate = (s: number) => Math.round(count / s).toLocaleString('en-US');
  return [
    name,
    count,
    fmt(scanSeconds, 2),
    fmt(seconds, 2),
    fmt(cpuSeconds, 2),
    rate(seconds),
    rate(cpuSeconds),
  ];
}

export async function runAuditVerifyBench(): Promise<string> {
  const count = quick ? 20_000 : 300_000;
  const rows: (string | number)[][] = [];
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-verify-'));
  const sqlite = new SqliteAuditStore({ path: join(dir, 'audit.db') });
  try {
    rows.push(await measure('sqlite', sqlite, count));
  } finally {
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
  const schema = `airlock_bench_${process.pid}`;
  const pg = new PostgresAuditStore({ url: PG_URL, schema });
  try {
    rows.push(await measure('postgres', pg, quick ? 20_000 : 200_000));
  } finally {
    await pg.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pg.close();
  }
  return [
    'Events in 4 chains, ~700 bytes each, 1 in 4 with findings. Scan = reading the rows only (baseline);',
    'verify = scan + sha256 of every document + column and link checks. Target: ≥ 100,000 events/s.',
    'CPU s = this process only (for PostgreSQL the server does the reading); on a loaded machine the',
    'wall time includes waiting for a core, the CPU rate does not.',
    '',
    table(
      ['store', 'events', 'scan s', 'verify s', 'verify CPU s', 'events/s (wall)', 'events/s (CPU)'],
      rows,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await runAuditVerifyBench()}\n`);
}
