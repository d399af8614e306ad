/**
 * Gateway overhead, in one run: direct to the simulator vs a byte pass-through proxy vs Airlock.
 * Real-shaped Anthropic requests of 10 KB, 100 KB and 1 MB, JSON and SSE answers.
 * Reports added latency p50/p99 (sequential requests), time to first streamed event, requests
 * per second at concurrency 32 (100 KB), and each server's peak RSS.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { claudeCodeRequest } from './lib/claude-code-request.js';
import { spawnServer, type ServerProcess } from './lib/servers.js';
import { fmt, percentile, table } from './lib/stats.js';

const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-ant-bench',
};
const quick = process.env.BENCH_QUICK === '1';

interface Target {
  name: string;
  base: string;
  pool: Pool;
}

async function once(t: Target, body: string): Promise<{ total: number; firstByte: number }> {
  const start = performance.now();
  const res = await t.pool.request({ path: `${t.base}/v1/messages`, method: 'POST', headers: HEADERS, body });
  let firstByte = 0;
  for await (const _chunk of res.body) {
    if (firstByte === 0) firstByte = performance.now() - start;
  }
  if (res.statusCode !== 200) throw new Error(`${t.name}: status ${res.statusCode}`);
  return { total: performance.now() - start, firstByte };
}

async function sequential(
  t: Target,
  body: string,
  n: number,
): Promise<{ totals: number[]; firsts: number[] }> {
  for (let i = 0; i < Math.min(30, n); i++) await once(t, body);
  const totals: number[] = [];
  const firsts: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await once(t, body);
    totals.push(r.total);
    firsts.push(r.firstByte);
  }
  return { totals, firsts };
}

async function throughput(t: Target, body: string, concurrency: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      await once(t, body);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

export async function runGatewayBench(): Promise<string> {
  const sim = await spawnServer('simulator', 'simulator');
  const pass = await spawnServer('pass-through', 'passthrough', sim.url);
  const air = await spawnServer('airlock', 'airlock', sim.url);
  const servers: ServerProcess[] = [sim, pass, air];
  const mk = (name: string, url: string, base: string): Target => ({
    name,
    base,
    pool: new Pool(url, { connections: 64, pipelining: 1 }),
  });
  const targets = [
    mk('direct', sim.url, ''),
    mk('pass-through', pass.url, '/anthropic'),
    mk('airlock', air.url, '/anthropic'),
  ];
  const out: string[] = [];
  try {
    const latencyRows: (string | number)[][] = [];
    for (const [label, size, n] of [
      ['10 KB', 10_000, quick ? 100 : 400],
      ['100 KB', 100_000, quick ? 100 : 400],
      ['1 MB', 1_000_000, quick ? 30 : 100],
    ] as const) {
      for (const stream of [false, true]) {
        const body = JSON.stringify(claudeCodeRequest(size, { stream }));
        const results = [];
        for (const t of targets) results.push(await sequential(t, body, n));
        const [direct, pass, air] = results.map((r) => ({
          p50: percentile(r.totals, 50),
          p99: percentile(r.totals, 99),
          ttfe: percentile(r.firsts, 50),
        }));
        const addedPass = pass!.p50 - direct!.p50;
        const addedAir = air!.p50 - direct!.p50;
        latencyRows.push([
          label,
          stream ? 'SSE' : 'JSON',
          fmt(direct!.p50),
          fmt(addedPass),
          fmt(addedAir),
          fmt(addedAir / addedPass, 2),
          fmt(pass!.p99 - direct!.p99),
          fmt(air!.p99 - direct!.p99),
          stream ? fmt(air!.ttfe - pass!.ttfe) : '',
        ]);
      }
    }
    out.push('### Added latency (sequential requests, ms)\n');
    out.push(
      table(
        [
          'request',
          'answer',
          'direct p50',
          'pass-through added p50',
          'airlock added p50',
          'airlock / pass-through',
          'pass-through added p99',
          'airlock added p99',
          'first event: airlock − pass-through (p50)',
        ],
        latencyRows,
      ),
    );
    const body = JSON.stringify(claudeCodeRequest(100_000, { stream: false }));
    const rps: number[] = [];
    for (const t of targets) rps.push(await throughput(t, body, 32, quick ? 2 : 5));
    out.push('\n### Throughput, 100 KB requests, concurrency 32\n');
    out.push(
      table(
        ['target', 'requests/s', 'vs pass-through'],
        targets.map((t, i) => [t.name, fmt(rps[i]!, 0), fmt(rps[i]! / rps[1]!, 2)]),
      ),
    );
    const rss = await Promise.all(servers.map((s) => s.peakRss()));
    out.push('\n### Peak RSS after the run\n');
    out.push(
      table(
        ['process', 'peak RSS (MB)'],
        servers.map((s, i) => [s.name, fmt(rss[i]! / 1e6, 1)]),
      ),
    );
  } finally {
    await Promise.all(targets.map((t) => t.pool.close()));
    await Promise.all(servers.map((s) => s.stop()));
  }
  return out.join('\n');
}
