/**
 * Counts over time for the dashboard. Every append also adds to a per-minute rollup table
 * (minute, dimension, key) → count, for the events it actually inserted (a replayed batch adds
 * nothing), so an overview reads a few thousand rollup rows whatever the number of events.
 * Buckets that are not whole minutes fall back to grouping the raw rows.
 */
import { COLUMN, Params, num, type SqlRow, type SqlRunner, type SqlTables } from './sql-reader.js';
import type { AuditStats, StatsOptions, StatsSeries, TimeRange } from './store.js';
import type { StoreRow } from './types.js';

const MINUTE = 60_000;

/** Rollup increments counted event by event; `columns()` gives them as column arrays in key order. */
export class RollupCounter {
  /** minute → `dim\0key` → count: a batch spans a minute or two, so the inner key is all that varies. */
  private readonly minutes = new Map<number, Map<string, number>>();
  private lastMinute = Number.NaN;
  private last: Map<string, number> | undefined;

  private counts(minute: number): Map<string, number> {
    if (minute === this.lastMinute && this.last) return this.last;
    let counts = this.minutes.get(minute);
    if (!counts) this.minutes.set(minute, (counts = new Map()));
    this.lastMinute = minute;
    this.last = counts;
    return counts;
  }

  private add(counts: Map<string, number>, dimKey: string, n: number): void {
    counts.set(dimKey, (counts.get(dimKey) ?? 0) + n);
  }

  /** One inserted event, by its time (ms), decision, kind and client family. */
  event(ts: number, decision: string, kind: string, client: string): void {
    const counts = this.counts(Math.floor(ts / MINUTE));
    this.add(counts, `decision\u0000${decision}`, 1);
    this.add(counts, `kind\u0000${kind}`, 1);
    this.add(counts, `client\u0000${client}`, 1);
    // A client's requests apart: `client` counts its egress attempts too (REQUEST_CLIENT).
    if (kind === 'request') this.add(counts, `${REQUEST_CLIENT}\u0000${client}`, 1);
  }

  /** One inserted event, from its store columns (storeRow); returns its time (ms). */
  eventRow(columns: StoreRow['columns']): number {
    const ts = columns[COLUMN.ts] as number;
    this.event(
      ts,
      columns[COLUMN.decision] as string,
      columns[COLUMN.kind] as string,
      columns[COLUMN.client] as string,
    );
    return ts;
  }

  /** n findings of one category and rule in an inserted event. */
  findings(ts: number, category: string, ruleId: string, n: number): void {
    const counts = this.counts(Math.floor(ts / MINUTE));
    this.add(counts, `category\u0000${category}`, n);
    this.add(counts, `rule\u0000${ruleId}`, n);
  }

  columns(): [number[], string[], string[], number[]] {
    // A fixed order (minute, dimension, key, as text), so concurrent writers (several gateways
    // on PostgreSQL) lock rows in the same order and cannot deadlock.
    const rows: [string, number, string, number][] = [];
    for (const [minute, counts] of this.minutes) {
      for (const [dimKey, n] of counts) rows.push([`${minute}\u0000${dimKey}`, minute, dimKey, n]);
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const columns: [number[], string[], string[], number[]] = [[], [], [], []];
    for (const [, minute, dimKey, n] of rows) {
      const cut = dimKey.indexOf('\u0000');
      columns[0].push(minute);
      columns[1].push(dimKey.slice(0, cut));
      columns[2].push(dimKey.slice(cut + 1));
      columns[3].push(n);
    }
    return columns;
  }
}

/** Column arrays of rollup increments for the given (inserted) events, in key order. */
export function rollupDeltas(rows: readonly StoreRow[]): [number[], string[], string[], number[]] {
  const counter = new RollupCounter();
  for (const { columns, findings } of rows) {
    const ts = counter.eventRow(columns);
    for (const [ruleId, category, , , n] of findings) counter.findings(ts, category, ruleId, n);
  }
  return counter.columns();
}

function bump(map: Map<string, StatsSeries>, key: unknown, b: number, n: number, buckets: number): void {
  const k = key === null || key === undefined ? 'none' : String(key);
  let s = map.get(k);
  if (!s) map.set(k, (s = { key: k, total: 0, counts: new Array<number>(buckets).fill(0) }));
  if (b >= 0 && b < buckets) s.counts[b] = (s.counts[b] ?? 0) + n;
  s.total += n;
}

function ranked(map: Map<string, StatsSeries>): StatsSeries[] {
  return [...map.values()].sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

/**
 * The rollup dimension counting requests (not egress attempts) per client family; sqlite-schema
 * and postgres-schema backfill it from the stored events (migration 4).
 */
export const REQUEST_CLIENT = 'request-client';

type Dim = 'decision' | 'kind' | 'client' | typeof REQUEST_CLIENT | 'category' | 'rule';

/** Rows of (bucket, dimension, key, count) from the rollup, whole minutes. */
async function fromRollup(runner: SqlRunner, t: SqlTables, since: number, until: number, bucketMs: number) {
  const p = new Params(runner);
  const from = p.int(since / MINUTE);
  const sql =
    `SELECT (minute - ${from}) / ${p.int(bucketMs / MINUTE)} AS b, dim, key, SUM(n) AS n FROM ${t.rollup} ` +
    `WHERE minute >= ${p.int(since / MINUTE)} AND minute < ${p.int(Math.ceil(until / MINUTE))} GROUP BY 1, 2, 3`;
  return (await runner.all(sql, p.values)).map((r) => ({
    b: num(r.b),
    dim: String(r.dim) as Dim,
    key: r.key,
    n: num(r.n),
  }));
}

/** The same rows by grouping the events and findings themselves (any bucket width). */
async function fromRows(runner: SqlRunner, t: SqlTables, since: number, until: number, bucketMs: number) {
  const scan = (table: string, keys: string, count: string): Promise<SqlRow[]> => {
    const p = new Params(runner);
    const sql =
      `SELECT (ts - ${p.int(since)}) / ${p.int(bucketMs)} AS b, ${keys}, ${count} AS n FROM ${table} ` +
      `WHERE ts >= ${p.int(since)} AND ts < ${p.int(until)} GROUP BY 1, ${keys}`;
    return runner.all(sql, p.values);
  };
  const [events, findings] = await Promise.all([
    scan(t.events, 'decision, kind, client', 'COUNT(*)'),
    // A finding row counts n findings (findingRows).
    scan(t.findings, 'category, rule_id', 'SUM(n)'),
  ]);
  const out: { b: number; dim: Dim; key: unknown; n: number }[] = [];
  for (const r of events) {
    for (const dim of ['decision', 'kind', 'client'] as const)
      out.push({ b: num(r.b), dim, key: r[dim], n: num(r.n) });
    if (r.kind === 'request') out.push({ b: num(r.b), dim: REQUEST_CLIENT, key: r.client, n: num(r.n) });
  }
  for (const r of findings) {
    out.push({ b: num(r.b), dim: 'category', key: r.category, n: num(r.n) });
    out.push({ b: num(r.b), dim: 'rule', key: r.rule_id, n: num(r.n) });
  }
  return out;
}

export async function eventStats(
  runner: SqlRunner,
  t: SqlTables,
  range: TimeRange,
  options: StatsOptions,
): Promise<AuditStats> {
  const { bucketMs } = options;
  if (!(bucketMs >= 1000)) throw new Error('stats bucket must be at least 1000 ms');
  const wholeMinutes = bucketMs % MINUTE === 0;
  // With minute buckets the range starts on a whole minute (the rollup's resolution).
  const since = wholeMinutes ? Math.floor(range.since.getTime() / MINUTE) * MINUTE : range.since.getTime();
  const until = range.until.getTime();
  const buckets = Math.max(1, Math.ceil((until - since) / bucketMs));
  if (buckets > 10_000)
    throw new Error(`stats range holds ${buckets} buckets; use a wider bucket (max 10000)`);
  const rows = wholeMinutes
    ? await fromRollup(runner, t, since, until, bucketMs)
    : await fromRows(runner, t, since, until, bucketMs);
  const series: Record<Dim, Map<string, StatsSeries>> = {
    decision: new Map(),
    kind: new Map(),
    client: new Map(),
    [REQUEST_CLIENT]: new Map(),
    category: new Map(),
    rule: new Map(),
  };
  for (const r of rows) bump(series[r.dim], r.key, Math.floor(r.b), r.n, buckets);
  const total = (map: Map<string, StatsSeries>) => [...map.values()].reduce((sum, s) => sum + s.total, 0);
  const top = options.top ?? 10;
  return {
    buckets: Array.from({ length: buckets }, (_, i) => new Date(since + i * bucketMs).toISOString()),
    bucketMs,
    totals: {
      events: total(series.decision),
      requests: series.kind.get('request')?.total ?? 0,
      egress: series.kind.get('egress')?.total ?? 0,
      findings: total(series.category),
    },
    decision: ranked(series.decision),
    kind: ranked(series.kind),
    category: ranked(series.category),
    rule: ranked(series.rule).slice(0, top),
    client: ranked(series.client).slice(0, top),
    requestClient: ranked(series[REQUEST_CLIENT]).slice(0, top),
  };
}
