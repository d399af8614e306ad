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
import { fmt, p50Difference, percentile, table } from './lib/stats.js';

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
const targets: Target[] = servers.map((s) => ({
  name: s.name,
  base: '/anthropic',
  pool: new Pool(s.url, { connections: 8 }),
}));
const { totals, firsts } = await interleaved(targets, body, perTarget);

/** p50 of target j minus p50 of target k (0 the pass-through, 1 this checkout, 2 the other). */
function difference(samples: number[][], j: number, k: number): string {
  const { value, lo, hi } = p50Difference(samples, j, k);
  return `${fmt(value)} (${fmt(lo)}–${fmt(hi)})`;
}

console.log(
  `## A/B: ${kind}, ${spec} (${(body.length / 1000).toFixed(0)} KB), ${perTarget} requests per target\n`,
);
console.log(
  table(
    ['target', 'p50 whole request, ms', 'p50 first event, ms'],
    targets.map((t, j) => [t.name, fmt(percentile(totals[j]!, 50)), fmt(percentile(firsts[j]!, 50))]),
  ),
);
console.log(
  '\n' +
    table(
      ['difference (95% interval), ms', 'whole request', 'first event'],
      [
        ['this checkout − other', difference(totals, 1, 2), difference(firsts, 1, 2)],
        ['this checkout − pass-through', difference(totals, 1, 0), difference(firsts, 1, 0)],
        ['other − pass-through', difference(totals, 2, 0), difference(firsts, 2, 0)],
      ],
    ),
);
for (const t of targets) await t.pool.close();
for (const s of [...servers, sim]) await s.stop();
