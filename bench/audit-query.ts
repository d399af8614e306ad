/**
 * The dashboard's reads on a store holding 100,000 events (target: the overview in under a
 * second): stats over a day in hourly buckets, the newest page, a page filtered by rule, a
 * second page by cursor and one event by id; SQLite and PostgreSQL in the same run.
 * Run alone: `node --import tsx bench/audit-query.ts` (BENCH_QUICK=1 for a smoke run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PostgresAuditStore } from '../src/audit/postgres-store.js';
import { SqliteAuditStore } from '../src/audit/sqlite-store.js';
import type { AuditStore } from '../src/audit/store.js';
import { benchChains } from './audit-fixtures.js';
import { fmt, percentile, table } from './lib/stats.js';

const quick = process.env.BENCH_QUICK === '1';
const PG_URL = process.env.AIRLOCK_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

async function timed(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return percentile(samples, 50);
}

async function measure(name: string, store: AuditStore, count: number): Promise<(string | number)[]> {
  const day = 86_400_000;
  const now = Date.now();
  // Spread the events over the last day, as an overview page would see them.
  const events = benchChains(count, 4, now - day).map((s) => s);
  for (let i = 0; i < events.length; i += 2000) await store.append(events.slice(i, i + 2000));
  const range = { since: new Date(now - day), until: new Date(now) };
  const runs = quick ? 3 : 10;
  const stats = await timed(() => store.stats(range, { bucketMs: 3_600_000 }), runs);
  const first = await timed(() => store.query({ limit: 50 }), runs);
  const byRule = await timed(() => store.query({ limit: 50, rule: 'aws-access-key' }), runs);
  const page = await store.query({ limit: 50 });
  const second = await timed(() => store.query({ limit: 50, cursor: page.next }), runs);
  const id = events[Math.floor(count / 2)]!.event.id;
  const one = await timed(() => store.get(id), runs);
  return [name, count, fmt(stats, 1), fmt(first, 1), fmt(byRule, 1), fmt(second, 1), fmt(one, 2)];
}

export async function runAuditQueryBench(): Promise<string> {
  const count = quick ? 10_000 : 100_000;
  const rows: (string | number)[][] = [];
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-query-'));
  const sqlite = new SqliteAuditStore({ path: join(dir, 'audit.db') });
  try {
    rows.push(await measure('sqlite', sqlite, count));
  } finally {
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
  const schema = `airlock_bench_q_${process.pid}`;
  const pg = new PostgresAuditStore({ url: PG_URL, schema });
  try {
    rows.push(await measure('postgres', pg, count));
  } finally {
    await pg.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pg.close();
  }
  return [
    'Median ms over repeated calls; events spread over the last 24 h, 1 in 4 with findings.',
    '',
    table(['store', 'events', 'stats 24×1h', 'newest 50', '50 by rule', 'next page', 'get by id'], rows),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await runAuditQueryBench()}\n`);
}
