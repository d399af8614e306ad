/**
 * Detection engine benchmark: real Claude Code requests (captured, see test/fixtures/eval/README.md)
 * scanned by the engine, against a naive baseline in the same run (one big alternation of every
 * rule pattern over each text), plus the scaling checks: body size x1/x2/x4 (linear?) and
 * +200 rules (flat?). Run: node --import tsx bench/detect.ts
 */
import { readFileSync } from 'node:fs';
import { learnCanaries } from '../src/detect/canaries.js';
import { createEngine } from '../src/detect/engine.js';
import type { RuleDef } from '../src/detect/rule-types.js';
import { defaultRules } from '../src/detect/rules/index.js';
import type { ScanInput } from '../src/detect/types.js';
import { requestInputs, type CapturedRequest } from '../scripts/lib/eval-inputs.js';

const FIXTURES = new URL('../test/fixtures/eval/claude-code/', import.meta.url);

function load(name: string): ScanInput[] {
  return requestInputs(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as CapturedRequest);
}

const bytes = (inputs: readonly ScanInput[]): number => inputs.reduce((n, i) => n + i.text.length, 0);

/** The naive approach: every rule pattern in one alternation, run over every text. */
function naiveBaseline(rules: readonly RuleDef[]): (inputs: readonly ScanInput[]) => number {
  const parts = rules
    .filter((r) => r.pattern !== undefined && !(r.flags ?? '').includes('u'))
    .map(
      (r) =>
        `(?:${r
          .pattern!.replace(/\(\?<[a-z_]+>/gi, '(?:')
          .replace(/\\k<q>/g, '["\'`]')
          .replace(/\\k<sep>/g, '[:-]')})`,
    );
  const re = new RegExp(parts.join('|'), 'gi');
  return (inputs) => {
    let n = 0;
    for (const input of inputs) {
      re.lastIndex = 0;
      for (let m = re.exec(input.text); m !== null; m = re.exec(input.text)) {
        n++;
        if (m[0].length === 0) re.lastIndex++;
      }
    }
    return n;
  };
}

const canaries = learnCanaries({
  env: {
    HTTPS_PROXY: 'http://jdoe:S3cr3t-Pr0xy@proxy.acme-corp.internal:3128',
    OPENAI_API_KEY: 'sk-proj-q7Zk2LmX9vTb4RcW8nYp3HsJ6fGd1AeQ5uKo0iVxB',
  },
  home: '/home/mkowalski',
  hostname: 'wks-0231',
  fqdns: ['wks-0231.acme-corp.internal'],
  username: 'mkowalski',
  machineIds: ['4f1c2a9be0d34c6f8a1e7b2d9c3f5a60'],
  macs: ['3c:22:fb:7a:10:4e'],
  ips: ['10.20.0.57', 'fe80::1c2b:3aff:fe4d:5e6f'],
  gitName: 'Marta Kowalska',
  gitEmail: 'marta.kowalska@acme-corp.pl',
  timeZones: ['Europe/Warsaw'],
});

const t0 = performance.now();
// The findings cache would answer every repeat of the same text from memory: the main cases
// measure a scan of text never seen before, the last case what a repeated text costs.
const engine = createEngine({ canaries, corporateSuffixes: ['acme-corp.pl'], cacheEntries: 0 });
const cached = createEngine({ canaries, corporateSuffixes: ['acme-corp.pl'] });
const buildMs = performance.now() - t0;
console.log(
  `engine: ${engine.rules.length} rules, ${canaries.length} canaries, ${engine.stats.patterns} prefilter patterns, built in ${buildMs.toFixed(0)} ms (the automaton makes its states as scans reach them)`,
);
console.log(
  `node ${process.version}, ${process.arch}, load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${(await import('node:os')).cpus().length} cores\n`,
);

const small = load('request-01.json');
const large = load('request-03.json');
const doubled = large.map((i) => ({ ...i, text: i.text + i.text }));
const quadrupled = doubled.map((i) => ({ ...i, text: i.text + i.text }));
const extra: RuleDef[] = Array.from({ length: 200 }, (_, k) => ({
  id: `bench.extra-${k}`,
  category: 'secret',
  severity: 'high',
  kind: 'token',
  description: 'synthetic vendor token rule for the benchmark',
  keywords: [`vnd${k.toString(36)}_`],
  pattern: `vnd${k.toString(36)}_[A-Za-z0-9]{32}`,
  samples: { tp: [], fp: [] },
}));
const bigger = createEngine({
  rules: [...defaultRules, ...extra],
  canaries,
  corporateSuffixes: ['acme-corp.pl'],
  cacheEntries: 0,
});
const naive = naiveBaseline(defaultRules);

interface Case {
  label: string;
  size: number;
  run: () => unknown;
  batch: number;
  cpu: number[];
  wall: number[];
}
const cases: Case[] = [
  { label: 'Claude Code request, turn 1', inputs: small, e: engine },
  { label: 'Claude Code request, turn 2 (.env + 46 KB file)', inputs: large, e: engine },
  { label: 'turn 2 x2 (linear in size?)', inputs: doubled, e: engine },
  { label: 'turn 2 x4 (linear in size?)', inputs: quadrupled, e: engine },
  { label: `turn 2, ${bigger.rules.length} rules (flat in rules?)`, inputs: large, e: bigger },
  { label: 'turn 2 again (findings cache: a resent conversation)', inputs: large, e: cached },
].map(({ label, inputs, e }) => ({
  label,
  size: bytes(inputs),
  run: () => e.scan(inputs),
  batch: 10,
  cpu: [],
  wall: [],
}));

// Round-robin: every engine case runs one batch per round, so a change of machine load (other
// sessions share these 2 cores) hits all cases alike instead of skewing the later ones.
for (const c of cases) for (let i = 0; i < Math.max(3, 50 / c.batch); i++) c.run();
const deadline = performance.now() + 20_000;
for (let round = 0; round < 60 && performance.now() < deadline; round++) {
  for (const c of cases) {
    const cpu0 = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (let i = 0; i < c.batch; i++) c.run();
    const used = process.cpuUsage(cpu0);
    c.wall.push(Number(process.hrtime.bigint() - t) / 1000 / c.batch);
    c.cpu.push((used.user + used.system) / c.batch);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
for (const c of cases) {
  const m = median(c.cpu);
  console.log(
    `${c.label.padEnd(50)} ${String(Math.round(c.size / 1024)).padStart(4)} KB  cpu median ${m.toFixed(1).padStart(8)} µs  p90 ${p90(c.cpu).toFixed(1).padStart(8)} µs  ${(c.size / m).toFixed(0).padStart(4)} MB/s  (wall median ${median(c.wall).toFixed(0)} µs, ${c.cpu.length * c.batch} scans)`,
  );
}
// The naive baseline last and on its own: between the engine's batches it would evict the caches.
const naiveCpu: number[] = [];
const naiveWall: number[] = [];
for (let i = 0; i < 33; i++) {
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  naive(large);
  const used = process.cpuUsage(cpu0);
  if (i < 3) continue; // warm-up
  naiveWall.push(Number(process.hrtime.bigint() - t) / 1000);
  naiveCpu.push(used.user + used.system);
}
const nm = median(naiveCpu);
console.log(
  `${'naive baseline (one alternation regex), turn 2'.padEnd(50)} ${String(Math.round(bytes(large) / 1024)).padStart(4)} KB  cpu median ${nm.toFixed(1).padStart(8)} µs  p90 ${p90(naiveCpu).toFixed(1).padStart(8)} µs  ${(bytes(large) / nm).toFixed(0).padStart(4)} MB/s  (wall median ${median(naiveWall).toFixed(0)} µs, 30 scans)`,
);
const [, base, x2, x4, more] = cases.map((c) => median(c.cpu)) as [
  number,
  number,
  number,
  number,
  number,
  number,
];
console.log(`\nautomaton states made by the scans above: ${engine.stats.states}`);
console.log(`speed-up over the naive baseline: ${(nm / base).toFixed(1)}x`);
console.log(`linear in size: time x2/x1 = ${(x2 / base).toFixed(2)}, x4/x1 = ${(x4 / base).toFixed(2)}`);
console.log(`flat in rules: time with +200 rules / default = ${(more / base).toFixed(2)}`);
