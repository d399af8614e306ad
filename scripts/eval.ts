/**
 * `npm run eval`: recall of the detection engine on planted values, per category, and false
 * positives per MB on benign source code. Targets (issue 3): recall 100% per category, at most
 * 1 false positive per MB for `secret` and `environment`. Exit code 1 when a target is missed.
 *
 * Planted corpus: real Claude Code captures (test/fixtures/eval/claude-code, labels.json) and
 * generated Codex / Gemini CLI / Qwen Code requests (scripts/lib/eval-corpus.ts), each scanned
 * with the canaries its made-up machine would have. Coverage is strict: every character of every
 * occurrence of a planted value must lie inside a finding of the expected category.
 * Benign corpus: TypeScript/JavaScript files of well-known packages in node_modules, wrapped as
 * tool results. Flags: --verbose prints each miss and each false positive (masked).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { learnCanaries, type MachineFacts } from '../src/detect/canaries.js';
import { maskValue } from '../src/detect/mask.js';
import { createEngine } from '../src/detect/engine.js';
import type { Category, Finding, ScanInput } from '../src/detect/types.js';
import { generatedRequests, type HeaderLabel, type Label, type LabelledRequest } from './lib/eval-corpus.js';
import { requestInputs, type CapturedRequest } from './lib/eval-inputs.js';

const ROOT = new URL('..', import.meta.url).pathname;
const verbose = process.argv.includes('--verbose');
const CATEGORIES: Category[] = [
  'environment',
  'secret',
  'pii',
  'tracking',
  'hidden-unicode',
  'header-fingerprint',
];

/** Captured requests: one folder per assistant, each with its labels.json. */
function capturedCorpus(): LabelledRequest[] {
  const root = join(ROOT, 'test/fixtures/eval');
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .sort()
    .flatMap((assistant) => {
      const dir = join(root, assistant);
      const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as {
        values: Label[];
        headers: HeaderLabel[];
        machine: Partial<MachineFacts>;
      };
      return readdirSync(dir)
        .filter((f) => /^request-.*\.json$/.test(f))
        .sort()
        .map((f) => ({
          name: `${assistant} ${f} (captured)`,
          request: JSON.parse(readFileSync(join(dir, f), 'utf8')) as CapturedRequest,
          labels: labels.values,
          headerLabels: labels.headers,
          machine: labels.machine,
        }));
    });
}

export interface Tally {
  found: number;
  total: number;
}

const recall = { rules: new Map<Category, Tally>(), full: new Map<Category, Tally>() };
const tally = (m: Map<Category, Tally>, c: Category, ok: boolean): void => {
  const t = m.get(c) ?? { found: 0, total: 0 };
  t.total++;
  if (ok) t.found++;
  m.set(c, t);
};

/** Whether [start, end) of input i is covered, character by character, by findings of `category`. */
function covered(
  findings: readonly Finding[],
  input: number,
  start: number,
  end: number,
  category: Category,
): boolean {
  let pos = start;
  const spans = findings
    .filter((f) => f.input === input && f.category === category && f.end > start && f.start < end)
    .sort((a, b) => a.start - b.start);
  for (const f of spans) {
    if (f.start > pos) return false;
    pos = Math.max(pos, f.end);
  }
  return pos >= end;
}

function evaluate(req: LabelledRequest): void {
  const inputs = requestInputs(req.request);
  const canaries = learnCanaries({
    env: {},
    fqdns: [],
    machineIds: [],
    macs: [],
    ips: [],
    gitName: undefined,
    gitEmail: undefined,
    timeZones: [],
    hostname: 'localhost',
    username: 'root',
    home: '/root',
    readGit: false,
    ...req.machine,
  });
  const runs = [
    ['rules', createEngine().scan(inputs)],
    ['full', createEngine({ canaries }).scan(inputs)],
  ] as const;
  for (const [mode, findings] of runs) {
    for (const label of req.labels) {
      let seen = 0;
      inputs.forEach((input, i) => {
        // Values are looked for in headers too, except the provider credential headers.
        if (
          input.role === 'header' &&
          /^(?:authorization|x-api-key|x-goog-api-key)$/.test(input.header ?? '')
        )
          return;
        for (
          let at = input.text.indexOf(label.value);
          at !== -1;
          at = input.text.indexOf(label.value, at + 1)
        ) {
          seen++;
          // A header that describes the machine is reported whole as header-fingerprint.
          const ok =
            covered(findings, i, at, at + label.value.length, label.category) ||
            (input.role === 'header' &&
              covered(findings, i, at, at + label.value.length, 'header-fingerprint'));
          tally(recall[mode], label.category, ok);
          if (!ok && verbose && mode === 'full')
            console.log(
              `  miss [${label.category}] ${req.name}: ${JSON.stringify(label.value.length > 60 ? label.value.slice(0, 60) + '…' : label.value)} in ${input.role} …${JSON.stringify(input.text.slice(Math.max(0, at - 40), at + label.value.length + 20))}`,
            );
        }
      });
      if (seen === 0)
        console.log(
          `  note: planted value ${JSON.stringify(maskValue(label.value, true))} does not occur in ${req.name}`,
        );
    }
    for (const hl of req.headerLabels) {
      const i = inputs.findIndex((input) => input.role === 'header' && input.header === hl.header);
      if (i === -1) continue;
      const ok = covered(findings, i, 0, inputs[i]!.text.length, hl.category);
      tally(recall[mode], hl.category, ok);
      if (!ok && verbose && mode === 'full')
        console.log(`  miss [${hl.category}] header ${hl.header} in ${req.name}`);
    }
  }
}

/** Benign text: source files of well-known packages, at most `maxBytes`. */
function benignFiles(maxBytes: number): { path: string; text: string }[] {
  const roots = [
    'typescript/lib',
    'undici/lib',
    'zod',
    'commander/lib',
    'yaml/dist',
    'pino/lib',
    'fast-check/lib/esm',
    'openai/src',
    '@anthropic-ai/sdk/src',
    'eslint/lib',
    'ajv/lib',
    'semver',
    'ioredis/built',
    'esbuild/lib',
    'prettier',
  ];
  const out: { path: string; text: string }[] = [];
  let total = 0;
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      if (total >= maxBytes) return;
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (name !== 'node_modules' && name !== 'locale' && name !== 'locales') walk(full);
      } else if (/\.(?:[cm]?js|ts|d\.ts)$/.test(name) && !name.endsWith('.min.js') && st.size < 4_000_000) {
        const text = readFileSync(full, 'utf8');
        out.push({ path: full.slice(ROOT.length), text });
        total += text.length;
      }
    }
  };
  for (const r of roots) walk(join(ROOT, 'node_modules', r));
  return out;
}

/** Recall per category on the planted corpus: { rules: ..., full: ... } (also used by a test). */
export function plantedRecall(): { rules: Map<Category, Tally>; full: Map<Category, Tally> } {
  recall.rules.clear();
  recall.full.clear();
  for (const req of [...capturedCorpus(), ...generatedRequests()]) evaluate(req);
  return recall;
}

function main(): number {
  const corpus = [...capturedCorpus(), ...generatedRequests()];
  console.log(`Planted corpus: ${corpus.length} requests (${corpus.map((c) => c.name).join('; ')})`);
  for (const req of corpus) evaluate(req);

  console.log('\nRecall on planted values (every occurrence fully covered by a finding of its category):');
  console.log(`  ${'category'.padEnd(20)} ${'rules only'.padStart(16)} ${'rules + canaries'.padStart(18)}`);
  let ok = true;
  for (const c of CATEGORIES) {
    const r = recall.rules.get(c);
    const f = recall.full.get(c);
    if (!f) continue;
    const pct = (t: Tally | undefined): string =>
      t ? `${t.found}/${t.total} ${((100 * t.found) / t.total).toFixed(1)}%` : '-';
    console.log(`  ${c.padEnd(20)} ${pct(r).padStart(16)} ${pct(f).padStart(18)}`);
    if (f.found < f.total) ok = false;
  }

  const files = benignFiles(12 * 1024 * 1024);
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const mb = bytes / (1024 * 1024);
  const machine = corpus[0]!.machine;
  const engine = createEngine({
    canaries: learnCanaries({
      env: {},
      fqdns: [],
      machineIds: [],
      macs: [],
      ips: [],
      readGit: false,
      ...machine,
    }),
  });
  const fp = new Map<Category, number>();
  const byRule = new Map<string, number>();
  const t0 = performance.now();
  for (const file of files) {
    const inputs: ScanInput[] = [
      { path: ['messages', 3, 'content', 0, 'content'], role: 'tool_result', text: file.text },
    ];
    for (const f of engine.scan(inputs)) {
      fp.set(f.category, (fp.get(f.category) ?? 0) + 1);
      byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
      if (verbose && (f.category === 'secret' || f.category === 'environment'))
        console.log(
          `  fp ${f.ruleId} ${file.path}: …${JSON.stringify(file.text.slice(Math.max(0, f.start - 30), f.start))}[${maskValue(file.text.slice(f.start, f.end), f.category === 'secret')}]${JSON.stringify(file.text.slice(f.end, f.end + 20))}`,
        );
    }
  }
  const ms = performance.now() - t0;
  console.log(
    `\nBenign corpus: ${files.length} files, ${mb.toFixed(1)} MB of package source (scanned in ${ms.toFixed(0)} ms, ${(mb / (ms / 1000)).toFixed(0)} MB/s)`,
  );
  console.log('  findings per MB by category (every finding here is a false positive):');
  for (const c of CATEGORIES) {
    const n = fp.get(c) ?? 0;
    const target = c === 'secret' || c === 'environment';
    const perMb = n / mb;
    if (target && perMb > 1) ok = false;
    console.log(
      `  ${c.padEnd(20)} ${String(n).padStart(6)}  ${perMb.toFixed(2).padStart(6)}/MB${target ? (perMb <= 1 ? '  (target <= 1/MB: met)' : '  (target <= 1/MB: MISSED)') : ''}`,
    );
  }
  if (byRule.size > 0)
    console.log(
      `  by rule: ${[...byRule.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r} ${n}`)
        .join(', ')}`,
    );
  console.log(ok ? '\nAll targets met.' : '\nSome targets were missed.');
  return ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(process.argv[1], 'file://').href)
  process.exitCode = main();
