/**
 * What auditing costs the gateway's throughput at concurrency 32 (target: at most 5%), measured
 * so that 5% can be told from 10% on a loaded 2-core machine.
 *
 * One gateway process (the whole product: default policy, pseudonymization, restoration, vault,
 * metrics, dashboard, audit to SQLite with the spool) whose audit is switched off and on between
 * slices (bench/lib/serve.ts `airlock-switch`): both sides are the same process, so no difference
 * of heap, JIT or data directory between two servers can pass for the audit's cost. Each round
 * is four short slices in an order that changes from round to round (a Williams square, so every
 * condition runs in every position and after every other equally often): audit on, audit off,
 * and a second slice of each. After every slice the gateway flushes its audit queue before the
 * next slice starts, so no slice inherits another's inserts. The wait for that flush is not in
 * the slice's time (in steady state the writer thread inserts while requests run; counting the
 * commit's disk wait as lost throughput would overstate the cost): an audited slice leaves the
 * inserts of its last flush interval (about 0.2 s of 0.8) out of its time, but not out of its
 * CPU, which is read after the flush.
 *
 * Per round:
 *   audit cost = 1 - (on + on') / (off + off')          requests/s of the slices
 *   A/A        = 1 - (on' + off') / (on + off)          the same shape, audit cancels: noise
 * Reported: the median over rounds with a distribution-free ~95% interval (order statistics),
 * and the gateway's CPU time per request on and off (its own process CPU, which the load on the
 * other core disturbs much less than throughput).
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { claudeCodeRequest } from './lib/claude-code-request.js';
import { spawnServer, type ServerProcess } from './lib/servers.js';
import { fmt, table } from './lib/stats.js';

const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-ant-bench',
};
const quick = process.env.BENCH_QUICK === '1';
const CONCURRENCY = 32;
const SLICE_MS = quick ? 400 : 800;
const ROUNDS = quick ? 4 : 20;

type Condition = 'on' | 'off' | "on'" | "off'";
const CONDITIONS: readonly Condition[] = ['on', 'off', "on'", "off'"];
/** Williams square for four conditions: each in each position once, each after each other once. */
const ORDERS = [
  [0, 1, 3, 2],
  [1, 2, 0, 3],
  [2, 3, 1, 0],
  [3, 0, 2, 1],
] as const;

interface Slice {
  rps: number;
  cpuUsPerRequest: number;
  /** The gateway's main thread (event loop) only. */
  mainUsPerRequest: number;
  gcUsPerRequest: number;
  /** Waiting for the audit flush after the slice (not in its time: see the header). */
  flushMs: number;
}

interface Reply {
  cpuUs: number;
  mainUs: number;
  gcMs: number;
  recorded: number;
}

function ask(server: ServerProcess, msg: { audit?: boolean; flush?: boolean }): Promise<Reply> {
  return new Promise((resolve) => {
    server.child.once('message', (reply) => resolve(reply as Reply));
    server.child.send(msg);
  });
}

async function load(pool: Pool, body: string, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const res = await pool.request({
        path: '/anthropic/v1/messages',
        method: 'POST',
        headers: HEADERS,
        body,
      });
      const answer = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${answer.slice(0, 300)}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done;
}

async function slice(server: ServerProcess, pool: Pool, body: string, audit: boolean): Promise<Slice> {
  const before = await ask(server, { audit });
  const start = performance.now();
  const n = await load(pool, body, SLICE_MS);
  const seconds = (performance.now() - start) / 1000;
  const flushStart = performance.now();
  const after = await ask(server, { flush: true });
  const flushMs = performance.now() - flushStart;
  const recorded = after.recorded - before.recorded;
  if (audit ? recorded !== n : recorded !== 0) {
    throw new Error(`audit ${audit ? 'on' : 'off'}: ${recorded} events recorded for ${n} requests`);
  }
  return {
    rps: n / seconds,
    cpuUsPerRequest: (after.cpuUs - before.cpuUs) / n,
    mainUsPerRequest: (after.mainUs - before.mainUs) / n,
    gcUsPerRequest: ((after.gcMs - before.gcMs) * 1000) / n,
    flushMs,
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function binomialCdf(k: number, n: number): number {
  let p = 0;
  let c = 1;
  for (let i = 0; i <= k; i++) {
    p += c / 2 ** n;
    c = (c * (n - i)) / (i + 1);
  }
  return p;
}

/** Median and a distribution-free interval for it: order statistics k and n+1-k, with its coverage. */
function medianInterval(xs: readonly number[]): { median: number; lo: number; hi: number; coverage: number } {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let k = 1;
  while (k + 1 <= n / 2 && binomialCdf(k, n) <= 0.025) k++;
  return { median: median(s), lo: s[k - 1]!, hi: s[n - k]!, coverage: 1 - 2 * binomialCdf(k - 1, n) };
}

const pct = (x: number) => `${fmt(x * 100, 1)}%`;

export async function runAuditCostBench(): Promise<string> {
  const startedAt = performance.now();
  // As shipped: compiled by tsc (see bench/lib/tsc-build.ts), like the gateway suite's servers.
  const compiled = { compiled: true };
  const sim = await spawnServer('simulator', 'simulator', '', compiled);
  const gw = await spawnServer('airlock (audit switchable)', 'airlock-switch', sim.url, compiled);
  const pool = new Pool(gw.url, { connections: 64, pipelining: 1 });
  const body = JSON.stringify(claudeCodeRequest(100_000, { stream: false }));
  const rounds: Record<Condition, Slice>[] = [];
  try {
    // Warm both paths (JIT, SQLite statements, the vault's surrogates) before measuring.
    for (const audit of [true, false, true, false]) await slice(gw, pool, body, audit);
    for (let r = 0; r < ROUNDS; r++) {
      const got: Partial<Record<Condition, Slice>> = {};
      for (const i of ORDERS[r % ORDERS.length]!) {
        const c = CONDITIONS[i]!;
        got[c] = await slice(gw, pool, body, c.startsWith('on'));
      }
      rounds.push(got as Record<Condition, Slice>);
    }
  } finally {
    await pool.close();
    await Promise.all([gw.stop(), sim.stop()]);
  }
  const cost = rounds.map((r) => 1 - (r.on.rps + r["on'"].rps) / (r.off.rps + r["off'"].rps));
  const aa = rounds.map((r) => 1 - (r["on'"].rps + r["off'"].rps) / (r.on.rps + r.off.rps));
  const offOff = rounds.map((r) => 1 - r["off'"].rps / r.off.rps);
  const onOn = rounds.map((r) => 1 - r["on'"].rps / r.on.rps);
  const cpuCost = rounds.map(
    (r) =>
      (r.on.cpuUsPerRequest + r["on'"].cpuUsPerRequest) /
        (r.off.cpuUsPerRequest + r["off'"].cpuUsPerRequest) -
      1,
  );
  const cpuAa = rounds.map(
    (r) =>
      (r["on'"].cpuUsPerRequest + r["off'"].cpuUsPerRequest) /
        (r.on.cpuUsPerRequest + r.off.cpuUsPerRequest) -
      1,
  );
  const row = (label: string, xs: number[]) => {
    const m = medianInterval(xs);
    return [
      label,
      pct(m.median),
      `${pct(m.lo)} … ${pct(m.hi)} (${fmt(m.coverage * 100, 0)}%)`,
      `${pct(Math.min(...xs))} … ${pct(Math.max(...xs))}`,
    ];
  };
  const sliceMedian = (c: Condition, f: (s: Slice) => number) => median(rounds.map((r) => f(r[c])));
  const cpuOn = median(rounds.flatMap((r) => [r.on.cpuUsPerRequest, r["on'"].cpuUsPerRequest]));
  const cpuOff = median(rounds.flatMap((r) => [r.off.cpuUsPerRequest, r["off'"].cpuUsPerRequest]));
  const mainOn = median(rounds.flatMap((r) => [r.on.mainUsPerRequest, r["on'"].mainUsPerRequest]));
  const mainOff = median(rounds.flatMap((r) => [r.off.mainUsPerRequest, r["off'"].mainUsPerRequest]));
  return [
    `One gateway process, audit switched per slice; ${ROUNDS} rounds of four ${SLICE_MS} ms slices`,
    `(on, off, on', off' in Williams-square order), 100 KB requests, concurrency ${CONCURRENCY}; each`,
    `slice ends with an audit flush, outside its time (median wait after an audited slice: ${fmt(median(rounds.flatMap((r) => [r.on.flushMs, r["on'"].flushMs])), 1)} ms). ${fmt((performance.now() - startedAt) / 1000, 0)} s in all.`,
    '',
    table(
      ['per round', 'median', 'interval for the median (coverage)', 'range over rounds'],
      [
        row('audit cost: 1 − (on + on′) / (off + off′), requests/s', cost),
        row('A/A: 1 − (on′ + off′) / (on + off), requests/s', aa),
        row('A/A single slices: 1 − off′ / off', offOff),
        row('A/A single slices: 1 − on′ / on', onOn),
        row('gateway CPU per request: (on + on′) / (off + off′) − 1', cpuCost),
        row('gateway CPU per request, A/A', cpuAa),
      ],
    ),
    '',
    table(
      [
        'slice',
        'requests/s (median over rounds)',
        'gateway CPU µs per request (median)',
        'of which main thread (median)',
        'main-thread GC pauses µs per request (median)',
      ],
      CONDITIONS.map((c) => [
        c,
        fmt(
          sliceMedian(c, (s) => s.rps),
          0,
        ),
        fmt(
          sliceMedian(c, (s) => s.cpuUsPerRequest),
          0,
        ),
        fmt(
          sliceMedian(c, (s) => s.mainUsPerRequest),
          0,
        ),
        fmt(
          sliceMedian(c, (s) => s.gcUsPerRequest),
          0,
        ),
      ]),
    ),
    '',
    `Audit CPU on the gateway: ${fmt(cpuOn - cpuOff, 1)} µs per request (median of on slices ${fmt(cpuOn, 0)} − off ${fmt(cpuOff, 0)}), of which on the main thread ${fmt(mainOn - mainOff, 1)} µs (${fmt(mainOn, 0)} − ${fmt(mainOff, 0)}).`,
    `Audit cost at concurrency 32: ${pct(medianInterval(cost).median)} of throughput (A/A noise floor ${pct(medianInterval(aa).median)}, interval ${pct(medianInterval(aa).lo)} … ${pct(medianInterval(aa).hi)}).`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await runAuditCostBench()}\n`);
}
