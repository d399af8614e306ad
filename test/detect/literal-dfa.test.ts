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
          // Default (one chain for short texts) and four interleaved chains from any length; the
          // states made as scans reach them, kept across texts, or so few kept that the cache is
          // emptied mid-text and a text is scanned without it.
          for (const [interleaveFrom, maxStates] of [
            [undefined, undefined],
            [0, undefined],
            [undefined, 1],
            [0, 1],
            [0, 40],
          ] as const) {
            const dfa = buildDfa(
              patterns.map((sets) => ({ sets })),
              { interleaveFrom, maxStates },
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

  it('keeps at most maxStates states, empties its cache when full and still finds every hit', () => {
    // Eight hex digits then a letter: a run of broad classes, whose subset construction is large.
    const patterns = ['\\h\\h\\h\\h\\h\\h\\h\\hx', 'a\\h\\hb', 'ff'].map(parseKeyword);
    const hex = '0123456789abcdef';
    let seed = 7;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const texts = Array.from({ length: 20 }, () =>
      Array.from({ length: 300 }, () => (random() < 0.05 ? 'x' : hex[Math.floor(random() * 16)])).join(''),
    );
    const roomy = buildDfa(patterns.map((sets) => ({ sets })));
    const cramped = buildDfa(
      patterns.map((sets) => ({ sets })),
      { maxStates: 60 },
    );
    const crampedOneChain = buildDfa(
      patterns.map((sets) => ({ sets })),
      { maxStates: 60, interleaveFrom: Infinity },
    );
    const hits = new HitBuffer();
    const found = (dfa: ReturnType<typeof buildDfa>, t: string): string[] => {
      hits.reset();
      dfa.scan(t, hits);
      const got: string[] = [];
      for (let k = 0; k < hits.length; k += 2) got.push(`${hits.data[k]}:${hits.data[k + 1]}`);
      return got.sort();
    };
    for (const t of texts) {
      const want = bruteForce(patterns, t)
        .map((h) => h.split(':').slice(1).join(':'))
        .sort();
      assert.ok(want.length > 0);
      assert.deepEqual(found(roomy, t), want);
      assert.deepEqual(found(cramped, t), want);
      assert.deepEqual(found(crampedOneChain, t), want);
      for (const dfa of [cramped, crampedOneChain])
        assert.ok(dfa.stateCount <= 60, `${dfa.stateCount} states kept`);
    }
    assert.ok(
      roomy.stateCount > 60,
      `the patterns need more states than the cramped one keeps (${roomy.stateCount})`,
    );
  });

  it('finds hits of patterns whose start state alone leads to hundreds of states', () => {
    // 300 literals with distinct first characters: the start state has a target for each, made
    // with the automaton, and every text below begins in the start state on one of them.
    const first = (k: number): string => String.fromCharCode(0x4e00 + k);
    const patterns = Array.from({ length: 300 }, (_, k) => literalSets(`${first(k)}z`, false));
    const dfa = buildDfa(patterns.map((sets) => ({ sets })));
    const hits = new HitBuffer();
    for (let k = 0; k < 300; k++) {
      hits.reset();
      dfa.scan(`${first(k)}z${first((k + 1) % 300)}y`, hits);
      assert.deepEqual([...hits.data.subarray(0, hits.length)], [k, 0], `text ${k}`);
    }
    assert.ok(dfa.stateCount > 300);
  });
});
