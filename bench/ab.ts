/**
 * Paired A/B of two builds of one gateway: this checkout's and another's, beside the byte
 * pass-through, in one run. The gateway suite compares Airlock with its baselines; between two
 * runs of it this host moves by more than a change of 0.1–0.3 ms, which a paired run can tell.
 *
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   node --import tsx bench/ab.ts /tmp/base [airlock|airlock-full] [case]
 *
 * case: `<size>-<answer>`, size 10kb, 100kb, 1mb or capture, answer json or sse (default
 * 1mb-sse). AB_N requests per target (default 600); AB_RUNS runs (default 1), each with fresh
 * processes, summed up by the mean of the runs' differences. Each server runs in its own process,
 * compiled by tsc from its own checkout (as the gateway suite's); requests go as the gateway
 * suite's latency rows do (lib/interleaved.ts: blocks per target in rotated order), and the
 * i-th request to every target stays paired in the bootstrap. Prints the p50 of the whole request and of the first streamed event per
 * target, and the differences with 95% intervals. Loopback only.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { capturedClaudeRequest, claudeCodeRequest } from './lib/claude-code-request.js';
import { spawnServer, type ServerProcess } from './lib/servers.js';
import { interleaved, type Target } from './lib/interleaved.js';
import { fmt, meanInterval, p50Difference, percentile, table } from './lib/stats.js';

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
const runs = Number(process.env.AB_RUNS ?? 1);
if (!(Number.isInteger(runs) && runs >= 1))
  throw new Error(`AB_RUNS must be a whole number of at least 1, not ${process.env.AB_RUNS}`);

// The other checkout's own server launcher: its servers are compiled from its sources.
const other = (await import(pathToFileURL(resolve(otherDir, 'bench/lib/servers.ts')).href)) as {
  spawnServer: typeof spawnServer;
};
const compiled = { compiled: true };
/** Differences of the p50s, ms: [this − other, this − pass-through, other − pass-through]. */
type RunDifferences = { totals: number[]; firsts: number[] };
const PAIRS: [number, number, string][] = [
  [1, 2, 'this checkout − other'],
  [1, 0, 'this checkout − pass-through'],
  [2, 0, 'other − pass-through'],
];

/** One run: a fresh simulator and fresh servers, every target's requests interleaved. */
async function runOnce(run: number): Promise<RunDifferences> {
  const sim = await spawnServer('simulator', 'simulator', '', compiled);
  const servers: ServerProcess[] = [
    await spawnServer('pass-through', 'passthrough', sim.url, compiled),
    await spawnServer(`${kind} (this checkout)`, kind, sim.url, compiled),
    await other.spawnServer(`${kind} (${otherDir})`, kind, sim.url, compiled),
  ];
  const targets: Target[] = servers.map((s) => ({
    name: s.name,
    base: '/anthropic',
    pool: new Pool(s.url, { connections: 8 }),
  }));
  const { totals, firsts } = await interleaved(targets, body, perTarget);
  /** p50 of target j minus p50 of target k, with its bootstrap interval over paired requests. */
  const difference = (samples: number[][], j: number, k: number): string => {
    const { value, lo, hi } = p50Difference(samples, j, k);
    return `${fmt(value)} (${fmt(lo)}–${fmt(hi)})`;
  };
  console.log(`\n### run ${run + 1} of ${runs}\n`);
  console.log(
    table(
      ['target', 'p50 whole request, ms', 'p50 first event, ms'],
      targets.map((t, j) => [t.name, fmt(percentile(totals[j]!, 50)), fmt(percentile(firsts[j]!, 50))]),
    ),
  );
  console.log(
    '\n' +
      table(
        ["difference (95% interval over this run's requests), ms", 'whole request', 'first event'],
        PAIRS.map(([j, k, name]) => [name, difference(totals, j, k), difference(firsts, j, k)]),
      ),
  );
  for (const t of targets) await t.pool.close();
  for (const s of [...servers, sim]) await s.stop();
  return {
    totals: PAIRS.map(([j, k]) => p50Difference(totals, j, k).value),
    firsts: PAIRS.map(([j, k]) => p50Difference(firsts, j, k).value),
  };
}

console.log(
  `## A/B: ${kind}, ${spec} (${(body.length / 1000).toFixed(0)} KB), ${perTarget} requests per target, ${runs} run(s)`,
);
const results: RunDifferences[] = [];
for (let run = 0; run < runs; run++) results.push(await runOnce(run));

if (runs > 1) {
  // A run's interval covers its requests, not its processes: between runs of the same builds
  // (fresh processes each) the 1 MB differences moved by ±0.3–0.5 ms, more than within a run.
  // The runs' own spread is what a claim across processes rests on.
  const across = (values: number[]): string => {
    const { mean, lo, hi } = meanInterval(values);
    return `${fmt(mean)} (${fmt(lo)}–${fmt(hi)}); runs ${values.map((v) => fmt(v)).join(', ')}`;
  };
  console.log(`\n### across the ${runs} runs: mean of the runs' differences (95% t interval)\n`);
  console.log(
    table(
      ['difference, ms', 'whole request', 'first event'],
      PAIRS.map(([, , name], i) => [
        name,
        across(results.map((r) => r.totals[i]!)),
        across(results.map((r) => r.firsts[i]!)),
      ]),
    ),
  );
}
