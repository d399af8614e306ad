/**
 * Paired A/B of two builds of one gateway: this checkout's and another's, beside the byte
 * pass-through, in one run. The gateway suite compares Airlock with its baselines; between two
 * runs of it this host moves by more than a change of 0.1–0.3 ms, which a paired run can tell.
 *
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   node --import tsx bench/ab.ts /tmp/base [airlock|airlock-full] [case]
 *
 * case: `<size>-<answer>`, size 10kb, 100kb, 1mb or capture, answer json or sse (default
 * 1mb-sse). AB_N requests per target (default 600). Each server runs in its own process,
 * compiled by tsc from its own checkout (as the gateway suite's); requests go in blocks of 20
 * per target in an order rotated per round, and the i-th request to every target stays paired
 * in the bootstrap. Prints the p50 of the whole request and of the first streamed event per
 * target, and the differences with 95% intervals. Loopback only.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { capturedClaudeRequest, claudeCodeRequest } from './lib/claude-code-request.js';
import { spawnServer, type ServerProcess } from './lib/servers.js';
import { bootstrapInterval, fmt, percentile, table } from './lib/stats.js';

const USAGE =
  'usage: node --import tsx bench/ab.ts <other checkout> [airlock|airlock-full] [<10kb|100kb|1mb|capture>-<json|sse>]';
const [otherDir, kind = 'airlock', spec = '1mb-sse'] = process.argv.slice(2);
if (otherDir === undefined || !['airlock', 'airlock-full'].includes(kind)) throw new Error(USAGE);
const [size, answer] = spec.split('-');
const SIZES: Record<string, number> = { '10kb': 10_000, '100kb': 100_000, '1mb': 1_000_000 };
if ((size !== 'capture' && SIZES[size ?? ''] === undefined) || (answer !== 'json' && answer !== 'sse'))
  throw new Error(USAGE);
const stream = answer === 'sse';
const body = JSON.stringify(
  size === 'capture' ? capturedClaudeRequest(stream) : claudeCodeRequest(SIZES[size!]!, { stream }),
);
const perTarget = Number(process.env.AB_N ?? 600);
const BLOCK = 20;

// The other checkout's own server launcher: its servers are compiled from its sources.
const other = (await import(pathToFileURL(resolve(otherDir, 'bench/lib/servers.ts')).href)) as {
  spawnServer: typeof spawnServer;
};
const compiled = { compiled: true };
const sim = await spawnServer('simulator', 'simulator', '', compiled);
const servers: ServerProcess[] = [
  await spawnServer('pass-through', 'passthrough', sim.url, compiled),
  await spawnServer(`${kind} (this checkout)`, kind, sim.url, compiled),
  await other.spawnServer(`${kind} (${otherDir})`, kind, sim.url, compiled),
];
const targets = servers.map((s) => ({
  server: s,
  pool: new Pool(s.url, { connections: 8 }),
  total: [] as number[],
  first: [] as number[],
}));
const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-ant-bench',
};

async function send(t: (typeof targets)[number], keep: boolean): Promise<void> {
  const t0 = performance.now();
  const res = await t.pool.request({
    path: '/anthropic/v1/messages',
    method: 'POST',
    headers: HEADERS,
    body,
  });
  if (res.statusCode !== 200) throw new Error(`${t.server.name} answered ${res.statusCode}`);
  let first = -1;
  for await (const _ of res.body) if (first < 0) first = performance.now() - t0;
  if (keep) {
    t.total.push(performance.now() - t0);
    t.first.push(first);
  }
}

const warmRounds = 2;
const rounds = warmRounds + Math.ceil(perTarget / BLOCK);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < targets.length; k++) {
    const t = targets[(r + k) % targets.length]!;
    for (let i = 0; i < BLOCK; i++) await send(t, r >= warmRounds);
  }
}

/** p50 of target j minus p50 of target k over paired rows, with its bootstrap interval. */
function difference(samples: (t: (typeof targets)[number]) => number[], j: number, k: number): string {
  const rows = samples(targets[0]!).map((_, i) => targets.map((t) => samples(t)[i]!));
  const stat = (sample: readonly number[][]) =>
    percentile(
      sample.map((row) => row[j]!),
      50,
    ) -
    percentile(
      sample.map((row) => row[k]!),
      50,
    );
  const { lo, hi } = bootstrapInterval(rows, stat);
  return `${fmt(stat(rows))} (${fmt(lo)}–${fmt(hi)})`;
}

const byTotal = (t: (typeof targets)[number]) => t.total;
const byFirst = (t: (typeof targets)[number]) => t.first;
console.log(
  `## A/B: ${kind}, ${spec} (${(body.length / 1000).toFixed(0)} KB), ${perTarget} requests per target\n`,
);
console.log(
  table(
    ['target', 'p50 whole request, ms', 'p50 first event, ms'],
    targets.map((t) => [t.server.name, fmt(percentile(t.total, 50)), fmt(percentile(t.first, 50))]),
  ),
);
console.log(
  '\n' +
    table(
      ['difference (95% interval), ms', 'whole request', 'first event'],
      [
        ['this checkout − other', difference(byTotal, 1, 2), difference(byFirst, 1, 2)],
        ['this checkout − pass-through', difference(byTotal, 1, 0), difference(byFirst, 1, 0)],
        ['other − pass-through', difference(byTotal, 2, 0), difference(byFirst, 2, 0)],
      ],
    ),
);
for (const t of targets) await t.pool.close();
for (const s of [...servers, sim]) await s.stop();
