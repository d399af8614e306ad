/**
 * Gateway overhead, in one run: direct to the simulator vs a byte pass-through proxy vs Airlock.
 * Real-shaped Anthropic requests of 10 KB, 100 KB and 1 MB, JSON and SSE answers.
 * Reports added latency p50/p99 (sequential requests), time to first streamed event, requests
 * per second at concurrency 32 (100 KB, targets interleaved in half-second slices), and each
 * server's peak RSS.
 */
import { readFileSync } from 'node:fs';
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

/** Requests per second of each target: over the whole run, and per round. */
interface Throughput {
  /** requests / time over every slice of the target */
  rps: number[];
  /** per target, its slice's requests/s in each round */
  rounds: number[][];
}

/**
 * Requests per second of each target at a fixed concurrency, measured in interleaved slices
 * (every target for half a second, round after round) so that a change in the machine's load
 * during the run hits every target alike instead of whichever ran at that moment. The order
 * rotates each round: a target that always followed another would always run while that one's
 * last connections and garbage were cleared away.
 */
async function throughput(
  targets: Target[],
  body: string,
  concurrency: number,
  seconds: number,
): Promise<Throughput> {
  const done = targets.map(() => 0);
  const elapsed = targets.map(() => 0);
  const rounds: number[][] = targets.map(() => []);
  const slice = 500;
  const count = Math.max(1, Math.round((seconds * 1000) / slice));
  for (let round = 0; round < count; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (round + k) % targets.length;
      const t = targets[i]!;
      const start = performance.now();
      const end = start + slice;
      let n = 0;
      const worker = async () => {
        while (performance.now() < end) {
          await once(t, body);
          n++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const ms = performance.now() - start;
      done[i]! += n;
      elapsed[i]! += ms;
      rounds[i]!.push(n / (ms / 1000));
    }
  }
  return { rps: done.map((n, i) => n / (elapsed[i]! / 1000)), rounds };
}

/**
 * The median over rounds of a target's requests/s over the baseline's in the same round, with
 * the middle half of those ratios: a round is a second or two, so the machine's load is nearly
 * the same for both, and one disturbed round moves the median little.
 */
function roundRatio(target: number[], baseline: number[]): { median: number; low: number; high: number } {
  const ratios = target.map((r, j) => r / baseline[j]!);
  return { median: percentile(ratios, 50), low: percentile(ratios, 25), high: percentile(ratios, 75) };
}

/** The real Claude Code request captured from the CLI (test/fixtures/captures), about 76 KB. */
function capturedClaudeRequest(stream: boolean): Record<string, unknown> {
  const capture = JSON.parse(
    readFileSync(new URL('../test/fixtures/captures/claude.json', import.meta.url), 'utf8'),
  ) as {
    requests: { path: string; body: Record<string, unknown> }[];
  };
  const request = capture.requests.find(
    (r) => r.path.startsWith('/v1/messages') && JSON.stringify(r.body).length > 50_000,
  );
  if (!request) throw new Error('no large Claude Code request in the capture');
  return { ...request.body, stream };
}

export async function runGatewayBench(): Promise<string> {
  const sim = await spawnServer('simulator', 'simulator');
  const pass = await spawnServer('pass-through', 'passthrough', sim.url);
  const core = await spawnServer('airlock core (no policy)', 'airlock', sim.url);
  const full = await spawnServer('airlock (default policy, audit)', 'airlock-full', sim.url);
  const servers: ServerProcess[] = [sim, pass, core, full];
  const mk = (name: string, url: string, base: string): Target => ({
    name,
    base,
    pool: new Pool(url, { connections: 64, pipelining: 1 }),
  });
  const targets = [
    mk('direct', sim.url, ''),
    mk('pass-through', pass.url, '/anthropic'),
    mk(core.name, core.url, '/anthropic'),
    mk(full.name, full.url, '/anthropic'),
  ];
  const out: string[] = [];
  try {
    const latencyRows: (string | number)[][] = [];
    const cases: [string, (stream: boolean) => Record<string, unknown>, number][] = [
      ['10 KB', (stream) => claudeCodeRequest(10_000, { stream }), quick ? 100 : 400],
      ['100 KB', (stream) => claudeCodeRequest(100_000, { stream }), quick ? 100 : 400],
      ['1 MB', (stream) => claudeCodeRequest(1_000_000, { stream }), quick ? 30 : 100],
      ['Claude Code capture', capturedClaudeRequest, quick ? 100 : 400],
    ];
    for (const [label, make, n] of cases) {
      for (const stream of [false, true]) {
        const body = JSON.stringify(make(stream));
        const results = [];
        for (const t of targets) results.push(await sequential(t, body, n));
        const [d, p, c, f] = results.map((r) => ({
          p50: percentile(r.totals, 50),
          p99: percentile(r.totals, 99),
          ttfe: percentile(r.firsts, 50),
        }));
        const added = (x: typeof d) => x!.p50 - d!.p50;
        latencyRows.push([
          `${label} (${(body.length / 1000).toFixed(0)} KB)`,
          stream ? 'SSE' : 'JSON',
          fmt(d!.p50),
          fmt(added(p)),
          fmt(added(c)),
          fmt(added(f)),
          fmt(added(c) / added(p), 2),
          fmt(added(f) / added(p), 2),
          `${fmt(p!.p99 - d!.p99, 2)} / ${fmt(c!.p99 - d!.p99, 2)} / ${fmt(f!.p99 - d!.p99, 2)}`,
          stream ? `${fmt(c!.ttfe - p!.ttfe)} / ${fmt(f!.ttfe - p!.ttfe)}` : '',
        ]);
      }
    }
    out.push('### Added latency over direct (sequential requests, ms)\n');
    out.push(
      table(
        [
          'request',
          'answer',
          'direct p50',
          'pass-through +p50',
          'core +p50',
          'full +p50',
          'core / pass-through',
          'full / pass-through',
          '+p99 pass / core / full',
          'first event vs pass-through: core / full (p50)',
        ],
        latencyRows,
      ),
    );
    const body = JSON.stringify(claudeCodeRequest(100_000, { stream: false }));
    const seconds = quick ? 4 : 10;
    const { rps, rounds } = await throughput(targets, body, 32, seconds);
    out.push('\n### Throughput, 100 KB requests, concurrency 32\n');
    out.push(
      table(
        [
          'target',
          'requests/s',
          'vs pass-through (whole run)',
          'vs pass-through: median of rounds (middle half)',
        ],
        targets.map((t, i) => {
          const r = roundRatio(rounds[i]!, rounds[1]!);
          return [
            t.name,
            fmt(rps[i]!, 0),
            fmt(rps[i]! / rps[1]!, 2),
            `${fmt(r.median, 2)} (${fmt(r.low, 2)}–${fmt(r.high, 2)})`,
          ];
        }),
      ),
    );
    out.push(
      `\n${rounds[0]!.length} rounds of 0.5 s per target. The audit's share of throughput is measured ` +
        'apart, in one process switched between audit on and off (`npm run bench -- audit-cost`).',
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
