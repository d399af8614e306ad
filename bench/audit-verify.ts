/**
 * `audit verify` speed (target: at least 100,000 events/s). Fills a SQLite file and a
 * PostgreSQL schema with realistic events in 4 chains, then times, in the same run, a plain
 * read of the rows (the baseline: what reading alone costs) and the full verification.
 * Run alone: `node --import tsx bench/audit-verify.ts` (BENCH_QUICK=1 for a smoke run).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AuditStore } from '../src/audit/store.js';
import { PostgresAuditStore } from '../src/audit/postgres-store.js';
import { SqliteAuditStore } from '../src/audit/sqlite-store.js';
import { benchChains } from './audit-fixtures.js';
import { fmt, percentile, table } from './lib/stats.js';
import { buildWithTsc } from './lib/tsc-build.js';

const quick = process.env.BENCH_QUICK === '1';
const PG_URL = process.env.AIRLOCK_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = 3;
const SELF = fileURLToPath(import.meta.url);
const run = promisify(execFile);
const median = (values: number[]) => percentile(values, 50);

type Mode = 'read' | 'verify';
const MODES: readonly Mode[] = ['read', 'verify'];

type StoreSpec = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };

interface Timing {
  seconds: number;
  cpuSeconds: number;
  events: number;
}

interface Job {
  /** The compiled tree whose stores are timed. */
  dist: string;
  store: StoreSpec;
  mode: Mode;
}

/**
 * One timed pass in a fresh process (`--measure <job>`), as `airlock audit verify` runs: the
 * process that filled the store holds its events (~500 MB), which made every full collection of
 * a pass run there about twice as slow as in a process of its own.
 */
async function measureInChild(job: Job): Promise<Timing> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', SELF, '--measure', JSON.stringify(job)],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout) as Timing;
}

async function measureHere(job: Job): Promise<Timing> {
  const compiled = (name: string) => pathToFileURL(join(job.dist, `src/audit/${name}.js`)).href;
  const spec = job.store;
  const store =
    spec.kind === 'sqlite'
      ? new (
          (await import(compiled('sqlite-store'))) as typeof import('../src/audit/sqlite-store.js')
        ).SqliteAuditStore({ path: spec.path, mustExist: true })
      : new (
          (await import(compiled('postgres-store'))) as typeof import('../src/audit/postgres-store.js')
        ).PostgresAuditStore({ url: spec.url, schema: spec.schema });
  try {
    const start = performance.now();
    const cpu = process.cpuUsage();
    let events = 0;
    if (job.mode === 'read') for await (const batch of store.chainRows()) events += batch.length;
    else {
      const report = await store.verify();
      if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.problems)}`);
      events = report.events;
    }
    const { user, system } = process.cpuUsage(cpu);
    return { seconds: (performance.now() - start) / 1000, cpuSeconds: (user + system) / 1e6, events };
  } finally {
    await store.close();
  }
}

async function measure(
  name: string,
  store: AuditStore,
  spec: StoreSpec,
  count: number,
  dist: string,
): Promise<(string | number)[]> {
  const events = benchChains(count, 4);
  for (let i = 0; i < events.length; i += 2000) await store.append(events.slice(i, i + 2000));
  // Alternated, so that a change of load hits every mode alike; the median of each.
  const runs: Record<Mode, Timing[]> = { read: [], verify: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) {
      const timing = await measureInChild({ dist, store: spec, mode });
      if (timing.events !== count) throw new Error(`${name} ${mode}: ${timing.events} of ${count} events`);
      runs[mode].push(timing);
    }
  }
  const seconds = (mode: Mode) => median(runs[mode].map((r) => r.seconds));
  const rate = (s: number) => Math.round(count / s).toLocaleString('en-US');
  return [
    name,
    count,
    fmt(seconds('read'), 2),
    fmt(seconds('verify'), 2),
    fmt(median(runs.verify.map((r) => r.cpuSeconds)), 2),
    rate(seconds('verify')),
    rate(median(runs.verify.map((r) => r.cpuSeconds))),
  ];
}

export async function runAuditVerifyBench(): Promise<string> {
  const count = quick ? 20_000 : 300_000;
  const rows: (string | number)[][] = [];
  // The timed passes run the stores as shipped (compiled by tsc, lib/tsc-build.ts), not through tsx.
  const dist = buildWithTsc('verify', []);
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-verify-'));
  const path = join(dir, 'audit.db');
  const sqlite = new SqliteAuditStore({ path });
  try {
    rows.push(await measure('sqlite', sqlite, { kind: 'sqlite', path }, count, dist));
  } finally {
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
  const schema = `airlock_bench_${process.pid}`;
  const pg = new PostgresAuditStore({ url: PG_URL, schema });
  try {
    const spec: StoreSpec = { kind: 'postgres', url: PG_URL, schema };
    rows.push(await measure('postgres', pg, spec, quick ? 20_000 : 200_000, dist));
  } finally {
    await pg.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pg.close();
  }
  return [
    'Events in 4 chains, ~700 bytes each, 1 in 4 with findings. Read = reading the rows only',
    '(baseline); verify = reading + sha256 of every document + column and link checks. Each pass in',
    'a fresh process (compiled, as shipped), opening and closing the store included; medians of 3',
    'alternated rounds. Target: ≥ 100,000 events/s. CPU s = that process, all threads (for',
    'PostgreSQL the server does part of the reading); on a loaded machine the wall time includes',
    'waiting for a core, the CPU rate does not.',
    '',
    table(
      ['store', 'events', 'read s', 'verify s', 'verify CPU s', 'events/s (wall)', 'events/s (CPU)'],
      rows,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--measure');
  if (at > 0)
    process.stdout.write(JSON.stringify(await measureHere(JSON.parse(process.argv[at + 1]!) as Job)));
  else process.stdout.write(`${await runAuditVerifyBench()}\n`);
}
