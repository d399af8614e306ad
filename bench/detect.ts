/**
 * Detection engine benchmark: real Claude Code requests (captured, see test/fixtures/eval/README.md)
 * scanned by the engine, against a naive baseline in the same run (one big alternation of every
 * rule pattern over each text), plus the scaling checks: body size x1/x2/x4 (linear?) and
 * +200 rules (flat?). Run: node --import tsx bench/detect.ts
 */
import { readFileSync } from 'node:fs';
import { learnCanaries } from '../src/detect/canaries.js';
import { createEngine, type Engine } from '../src/detect/engine.js';
import type { RuleDef } from '../src/detect/rule-types.js';
import { defaultRules } from '../src/detect/rules/index.js';
import type { ScanInput } from '../src/detect/types.js';
import { requestInputs, type CapturedRequest } from '../scripts/lib/eval-inputs.js';

const FIXTURES = new URL('../test/fixtures/eval/claude-code/', import.meta.url);

function load(name: string): ScanInput[] {
  return requestInputs(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as CapturedRequest);
}

const bytes = (inputs: readonly ScanInput[]): number => inputs.reduce((n, i) => n + i.text.length, 0);

/**
 * Median and p90 in microseconds per call of `fn`, after warm-up; bounded in count and time.
 * Measured as this process's CPU time (user + system) over batches of calls: on a shared,
 * loaded machine wall-clock time mostly measures the wait for a core.
 */
function measure(
  fn: () => unknown,
  maxBatches = 200,
  maxMs = 6000,
  batch = 10,
): { median: number; p90: number; wall: number; n: number } {
  for (let i = 0; i < 100; i++) fn();
  const cpu: number[] = [];
  const wall: number[] = [];
  const deadline = performance.now() + maxMs;
  while (cpu.length < maxBatches && performance.now() < deadline) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const used = process.cpuUsage(c);
    wall.push(Number(process.hrtime.bigint() - t) / 1000 / batch);
    cpu.push((used.user + used.system) / batch);
  }
  cpu.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  return {
    median: cpu[Math.floor(cpu.length / 2)]!,
    p90: cpu[Math.floor(cpu.length * 0.9)]!,
    wall: wall[Math.floor(wall.length / 2)]!,
    n: cpu.length * batch,
  };
}

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
  timeZone: 'Europe/Warsaw',
});

function row(label: string, inputs: readonly ScanInput[], engine: Engine): { median: number } {
  const size = bytes(inputs);
  const r = measure(() => engine.scan(inputs));
  const mbs = size / r.median; // chars per µs = MB/s (one byte per char, ASCII bodies)
  console.log(
    `${label.padEnd(48)} ${String(Math.round(size / 1024)).padStart(4)} KB  cpu median ${r.median.toFixed(1).padStart(7)} µs  p90 ${r.p90.toFixed(1).padStart(7)} µs  ${mbs.toFixed(0).padStart(4)} MB/s  (wall median ${r.wall.toFixed(0)} µs, n=${r.n})`,
  );
  return r;
}

const t0 = performance.now();
const engine = createEngine({ canaries, corporateSuffixes: ['acme-corp.pl'] });
const buildMs = performance.now() - t0;
console.log(
  `engine: ${engine.rules.length} rules, ${canaries.length} canaries, ${engine.stats.patterns} prefilter patterns, ${engine.stats.states} DFA states, built in ${buildMs.toFixed(0)} ms`,
);
console.log(
  `node ${process.version}, ${process.arch}, load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${(await import('node:os')).cpus().length} cores\n`,
);

const small = load('request-01.json');
const large = load('request-03.json');
row('Claude Code request, turn 1', small, engine);
const base = row('Claude Code request, turn 2 (.env + 46 KB file)', large, engine);

const naive = naiveBaseline(defaultRules);
const nr = measure(() => naive(large), 20, 8000, 2);
const size = bytes(large);
console.log(
  `${'naive baseline (one alternation regex), turn 2'.padEnd(48)} ${String(Math.round(size / 1024)).padStart(4)} KB  cpu median ${nr.median.toFixed(1).padStart(7)} µs  p90 ${nr.p90.toFixed(1).padStart(7)} µs  ${(size / nr.median).toFixed(0).padStart(4)} MB/s  (wall median ${nr.wall.toFixed(0)} µs, n=${nr.n})`,
);
console.log(`speed-up over the naive baseline: ${(nr.median / base.median).toFixed(1)}x\n`);

console.log('linear in size:');
const doubled = large.map((i) => ({ ...i, text: i.text + i.text }));
const quadrupled = doubled.map((i) => ({ ...i, text: i.text + i.text }));
const r2 = row('  turn 2 x2', doubled, engine);
const r4 = row('  turn 2 x4', quadrupled, engine);
console.log(
  `  time ratio x2/x1 = ${(r2.median / base.median).toFixed(2)}, x4/x1 = ${(r4.median / base.median).toFixed(2)}\n`,
);

console.log('flat in rules:');
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
const bigger = createEngine({ rules: [...defaultRules, ...extra], canaries });
const rr = row(`  turn 2, ${bigger.rules.length} rules`, large, bigger);
console.log(`  time ratio +200 rules = ${(rr.median / base.median).toFixed(2)}`);
