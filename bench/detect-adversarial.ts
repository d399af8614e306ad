/**
 * The detection engine on inputs made to be slow: for every built-in rule, texts that repeat
 * one of its keywords (packed, spaced, and each followed by a long token), which make a rule
 * whose pattern looks back or ahead over unbounded runs match or fail again at every keyword.
 * The built-in rules are JavaScript regular expressions with lookarounds, not RE2 as a policy's
 * custom rules are (src/detect/user-rules.ts), so a pattern that backtracks over a whole line is
 * possible, and no other suite would show it: a real request holds a keyword a few times.
 * Prints the slowest inputs against the engine's speed on a real request in the same run (the
 * baseline); a rule far below it is one to bound. Run: node --import tsx bench/detect-adversarial.ts
 */
import { readFileSync } from 'node:fs';
import { createEngine } from '../src/detect/engine.js';
import { defaultRules } from '../src/detect/rules/index.js';
import type { ScanInput } from '../src/detect/types.js';
import { requestInputs, type CapturedRequest } from '../scripts/lib/eval-inputs.js';

/** Characters per input: a quadratic rule at 32 K characters takes seconds, not minutes. */
const SIZE = 32 * 1024;
const SLOWEST_SHOWN = 8;

/** One literal spelling of a keyword of literal-dfa.ts's mini-language (`\d`, `\h`, `[...]`). */
function spell(keyword: string): string {
  let out = '';
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword[i]!;
    if (c === '\\') {
      const next = keyword[++i] ?? '';
      out += next === 'd' ? '1' : next === 'h' ? 'a' : next;
    } else if (c === '[') {
      const end = keyword.indexOf(']', i);
      out += keyword[i + 1] === '^' ? 'x' : (keyword[i + 1] ?? '');
      i = end;
    } else out += c;
  }
  return out;
}

const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / Math.max(1, unit.length))).slice(0, SIZE);

const FORMS: [string, (k: string) => string][] = [
  ['packed', (k) => fill(k)],
  ['spaced', (k) => fill(`${k} `)],
  ['lines', (k) => fill(`${k}\n`)],
  ['long token', (k) => k + fill('x'.repeat(63) + '/')],
];

const engine = createEngine({ cacheEntries: 0 });
const input = (text: string): ScanInput[] => [{ path: ['text'], role: 'user', text }];

const timeScan = (inputs: ScanInput[], runs: number): number => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) engine.scan(inputs);
  return Number(process.hrtime.bigint() - t) / 1e6 / runs;
};

const capture = requestInputs(
  JSON.parse(
    readFileSync(new URL('../test/fixtures/eval/claude-code/request-03.json', import.meta.url), 'utf8'),
  ) as CapturedRequest,
);
const captureBytes = capture.reduce((n, i) => n + i.text.length, 0);
for (let i = 0; i < 30; i++) engine.scan(capture);
const baselineMbps = captureBytes / 1e3 / timeScan(capture, 50);

interface Result {
  rule: string;
  keyword: string;
  form: string;
  ms: number;
}
const results: Result[] = [];
const started = performance.now();
for (const rule of defaultRules)
  for (const keyword of new Set(rule.keywords.map(spell)))
    for (const [form, make] of FORMS) {
      const inputs = input(make(keyword));
      engine.scan(inputs); // the automaton's states for this text, made once
      results.push({ rule: rule.id, keyword, form, ms: timeScan(inputs, 2) });
    }
results.sort((a, b) => b.ms - a.ms);

const mbps = (ms: number): number => SIZE / 1e3 / ms;
console.log(
  `${results.length} inputs of ${SIZE / 1024} K characters (${defaultRules.length} rules, every keyword in ${FORMS.length} forms) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`baseline: the Claude Code request (turn 2) at ${baselineMbps.toFixed(0)} MB/s\n`);
console.log('| rule | keyword | form | ms | MB/s | slower than the baseline |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of results.slice(0, SLOWEST_SHOWN))
  console.log(
    `| ${r.rule} | \`${JSON.stringify(r.keyword).slice(1, -1)}\` | ${r.form} | ${r.ms.toFixed(2)} | ${mbps(r.ms).toFixed(1)} | ${(baselineMbps / mbps(r.ms)).toFixed(0)}× |`,
  );
const median = results[Math.floor(results.length / 2)]!;
console.log(
  `\nmedian input: ${mbps(median.ms).toFixed(0)} MB/s; slowest: ${mbps(results[0]!.ms).toFixed(1)} MB/s (${(baselineMbps / mbps(results[0]!.ms)).toFixed(0)}× slower than the baseline)`,
);
