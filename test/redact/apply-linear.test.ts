/**
 * The overlap resolution and the propagation of replaced values work in sorted passes instead
 * of comparing every span with every other (seconds for a log repeating one address 20,000
 * times). Random spans and texts give the same result as the former pairwise forms, kept here
 * as the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ScanInput } from '../../src/detect/types.js';
import { propagateEdits, resolveOverlaps, type DecidedFinding, type Edit } from '../../src/redact/apply.js';

const STRENGTH = { redact: 3, pseudonymize: 2, strip: 1 } as const;

function pairwiseOverlaps(decided: readonly DecidedFinding[]): DecidedFinding[] {
  const ranked = [...decided].sort(
    (a, b) =>
      STRENGTH[b.action] - STRENGTH[a.action] ||
      b.finding.end - b.finding.start - (a.finding.end - a.finding.start) ||
      a.finding.input - b.finding.input ||
      a.finding.start - b.finding.start,
  );
  const kept: DecidedFinding[] = [];
  for (const d of ranked) {
    const f = d.finding;
    if (f.end <= f.start) continue;
    if (kept.some((k) => k.finding.input === f.input && f.start < k.finding.end && k.finding.start < f.end))
      continue;
    kept.push(d);
  }
  return kept.sort((a, b) => a.finding.input - b.finding.input || a.finding.start - b.finding.start);
}

const isWord = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

function pairwisePropagate(
  inputs: readonly ScanInput[],
  edits: readonly Edit[],
  replaced: ReadonlyMap<string, string>,
): Edit[] {
  const values = [...replaced.keys()].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  const out: Edit[] = [];
  inputs.forEach(({ text }, index) => {
    const hits: { start: number; end: number; value: string }[] = [];
    for (const value of values) {
      const ws = isWord(value.charCodeAt(0));
      const we = isWord(value.charCodeAt(value.length - 1));
      for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
        const end = at + value.length;
        if (ws && at > 0 && isWord(text.charCodeAt(at - 1))) continue;
        if (we && end < text.length && isWord(text.charCodeAt(end))) continue;
        if (hits.some((h) => at < h.end && h.start < end)) continue;
        hits.push({ start: at, end, value });
      }
    }
    hits.sort((a, b) => a.start - b.start);
    let kept = edits.filter((e) => e.input === index);
    const added: Edit[] = [];
    for (const m of hits) {
      const overlapping = kept.filter((e) => m.start < e.end && e.start < m.end);
      if (overlapping.some((e) => e.start < m.start || e.end > m.end || e.end - e.start === m.end - m.start))
        continue;
      kept = kept.filter((e) => !overlapping.includes(e));
      added.push({ input: index, start: m.start, end: m.end, text: replaced.get(m.value)! });
    }
    out.push(...[...kept, ...added].sort((a, b) => a.start - b.start));
  });
  return out;
}

const action = fc.constantFrom('redact', 'pseudonymize', 'strip') as fc.Arbitrary<DecidedFinding['action']>;
const span = fc.record({ input: fc.nat(2), start: fc.nat(40), length: fc.nat(12), action });

describe('linear overlap resolution and propagation', () => {
  it('resolveOverlaps keeps what the pairwise ranking keeps', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 40 }), (spans) => {
        // Distinct (input, start, length) so that ties between equal spans cannot differ by order.
        const seen = new Set<string>();
        const decided: DecidedFinding[] = [];
        spans.forEach((s, i) => {
          const key = `${s.input}:${s.start}:${s.length}`;
          if (seen.has(key)) return;
          seen.add(key);
          decided.push({
            finding: {
              ruleId: `r${i}`,
              category: 'environment',
              severity: 'low',
              kind: 'path',
              path: [],
              role: 'user',
              input: s.input,
              start: s.start,
              end: s.start + s.length,
            },
            action: s.action,
          });
        });
        const ids = (list: DecidedFinding[]) => list.map((d) => d.finding.ruleId);
        assert.deepEqual(ids(resolveOverlaps(decided)), ids(pairwiseOverlaps(decided)));
      }),
      { numRuns: 500 },
    );
  });

  it('propagateEdits merges occurrences and edits as the pairwise form does', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', ' ', 'x');
    const text = fc.array(alphabet, { maxLength: 60 }).map((cs) => cs.join(''));
    const value = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(value, { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.record({
            input: fc.nat(2),
            start: fc.nat(60),
            length: fc.integer({ min: 1, max: 6 }),
            // Where a planned edit sits exactly on an occurrence of a value (the detector found it).
            onValue: fc.option(fc.nat(3), { nil: undefined }),
          }),
          { maxLength: 6 },
        ),
        (texts, values, rawEdits) => {
          const inputs: ScanInput[] = texts.map((t) => ({ path: [], role: 'user', text: t }));
          const placed = rawEdits.map((e) => {
            const v = e.onValue === undefined ? undefined : values[e.onValue % values.length];
            const at = v === undefined ? -1 : (inputs[e.input]?.text.indexOf(v) ?? -1);
            return at >= 0 ? { input: e.input, start: at, length: v!.length } : e;
          });
          // The planned edits: inside their texts, not overlapping, sorted (as planEdits gives them).
          const edits: Edit[] = [];
          for (const e of placed.sort((a, b) => a.input - b.input || a.start - b.start)) {
            const t = inputs[e.input]?.text;
            if (t === undefined || e.start + e.length > t.length) continue;
            const last = edits[edits.length - 1];
            if (last && last.input === e.input && last.end > e.start) continue;
            edits.push({ input: e.input, start: e.start, end: e.start + e.length, text: 'E' });
          }
          const replaced = new Map(values.map((v, i) => [v, `S${i}`]));
          assert.deepEqual(
            propagateEdits(inputs, edits, replaced, { cache: false }),
            pairwisePropagate(inputs, edits, replaced),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
