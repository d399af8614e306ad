/**
 * The keyword automaton against a brute-force matcher: every (pattern, start) where each
 * position's character is in the pattern's set, for random patterns (literals, classes,
 * case-folded letters, shared prefixes) over random texts of a small alphabet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  buildDfa,
  HitBuffer,
  literalSets,
  parseKeyword,
  type CharSet,
} from '../../src/detect/literal-dfa.js';

const inSet = (set: CharSet, code: number): boolean => set.some(([lo, hi]) => code >= lo && code <= hi);

function bruteForce(patterns: readonly CharSet[][], text: string): string[] {
  const out: string[] = [];
  patterns.forEach((sets, p) => {
    for (let start = 0; start + sets.length <= text.length; start++)
      if (sets.every((set, k) => inSet(set, text.charCodeAt(start + k))))
        out.push(`${start + sets.length}:${p}:${start}`);
  });
  return out.sort();
}

const keyword = fc.array(fc.constantFrom('a', 'b', 'A', '1', '-', '\\d', '\\h', '[ab]', '[0-2x]'), {
  minLength: 1,
  maxLength: 5,
});
const literal = fc.tuple(
  fc.string({ unit: fc.constantFrom('a', 'b', 'B', '1', '-'), minLength: 1, maxLength: 6 }),
  fc.boolean(),
);
const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'A', 'B', '1', '2', 'x', 'f', '-', ' '),
  maxLength: 200,
});

describe('literal DFA', () => {
  it('finds exactly the occurrences a brute-force matcher finds', () => {
    fc.assert(
      fc.property(
        fc.array(keyword, { minLength: 1, maxLength: 25 }),
        fc.array(literal, { maxLength: 10 }),
        fc.array(text, { minLength: 1, maxLength: 4 }),
        (kws, lits, texts) => {
          const patterns = [
            ...kws.map((parts) => parseKeyword(parts.join(''))),
            ...lits.map(([value, ci]) => literalSets(value, ci)),
          ];
          // Default (one chain for short texts) and four interleaved chains from any length.
          for (const interleaveFrom of [undefined, 0]) {
            const dfa = buildDfa(
              patterns.map((sets) => ({ sets })),
              { interleaveFrom },
            );
            const hits = new HitBuffer();
            for (const t of texts) {
              hits.reset();
              dfa.scan(t, hits);
              const got: string[] = [];
              let lastEnd = 0;
              for (let k = 0; k < hits.length; k += 2) {
                const p = hits.data[k]!;
                const start = hits.data[k + 1]!;
                const end = start + patterns[p]!.length;
                assert.ok(end >= lastEnd, 'hits in order of end position');
                lastEnd = end;
                got.push(`${end}:${p}:${start}`);
              }
              assert.deepEqual(got.sort(), bruteForce(patterns, t));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
