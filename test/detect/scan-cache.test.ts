/**
 * The engine's per-text findings cache must be invisible: a cached engine that has seen the
 * texts before returns exactly what an uncached engine returns, whatever the role, header,
 * field name and position of the input that carries a remembered text. And the TextCache
 * under it keeps its bounds and never confuses two texts of the same length. Short texts
 * (under 64 characters) are remembered by context and text, and frozen inputs by the input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Canary } from '../../src/detect/canary-encodings.js';
import { createEngine } from '../../src/detect/engine.js';
import { defaultRules } from '../../src/detect/rules/index.js';
import { TextCache } from '../../src/detect/text-cache.js';
import type { Role } from '../../src/dialects/types.js';
import type { ScanInput } from '../../src/detect/types.js';

const canaries: Canary[] = [
  {
    label: 'hostname',
    kind: 'hostname',
    category: 'environment',
    severity: 'high',
    source: 'test',
    value: 'build-box-7',
    caseInsensitive: true,
  },
];
const fragments = [
  ...defaultRules.flatMap((r) => [
    ...r.samples.tp.map((s) => (typeof s === 'string' ? s : s[0])),
    ...r.samples.fp,
  ]),
  'BUILD-BOX-7',
  '/home/alice/projects/zebra/src/index.ts',
];
const filler = ' lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(5);
/** Texts long enough to be cached (the engine keeps texts of 64 characters and more). */
const longText = fc
  .array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(filler) + filler);

/** Texts under 64 characters, which the engine remembers by context and text. */
const shortText = fc
  .array(fc.constantFrom(...fragments, '/home/alice/src/x', 'user_id', 'text'), {
    minLength: 1,
    maxLength: 2,
  })
  .map((parts) => parts.join(' ').slice(0, 63));

type Place = { role: Role; path: ScanInput['path']; header?: string };
const places: Place[] = [
  { role: 'system', path: ['system', 0, 'text'] },
  { role: 'user', path: ['messages', 0, 'content'] },
  { role: 'tool_definition', path: ['tools', 0, 'description'] },
  { role: 'tool_result', path: ['messages', 3, 'content', 0, 'content'] },
  { role: 'metadata', path: ['metadata', 'user_id'] },
  { role: 'metadata', path: ['prompt_cache_key'] },
  { role: 'header', path: ['headers', 'x-session'], header: 'x-session' },
  { role: 'header', path: ['headers', 'user-agent'], header: 'user-agent' },
  { role: 'header', path: ['headers', 'authorization'], header: 'authorization' },
];

describe('engine findings cache', () => {
  const cached = createEngine({ canaries, corporateSuffixes: ['corp.example'] });
  const plain = createEngine({ canaries, corporateSuffixes: ['corp.example'], cacheEntries: 0 });

  it('returns what an uncached engine returns, for remembered texts at any place', () => {
    let total = 0;
    fc.assert(
      fc.property(
        fc.array(longText, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 8 }),
        (pool, picks) => {
          // Each request carries copies of pool texts (equal contents, distinct strings) at
          // varying places; the same texts come back in three requests.
          for (let r = 0; r < 3; r++) {
            const inputs: ScanInput[] = picks.map(([t, p, short]) => {
              const text = (short ? 'tick ' : '') + pool[t % pool.length]!.split('').join('');
              const place = places[(p + r) % places.length]!;
              return { ...place, text };
            });
            const want = plain.scan(inputs);
            assert.deepEqual(cached.scan(inputs), want);
            total += want.length;
          }
        },
      ),
      { numRuns: 120 },
    );
    assert.ok(total > 100, `the corpus must produce findings to compare (got ${total})`);
  });

  it('stays exact for one text under more header names than it keeps per text', () => {
    const text = `build-box-7 ghp_${'a1B2c3D4e5'.repeat(4)}x1 ${filler}`;
    for (let round = 0; round < 2; round++) {
      const inputs: ScanInput[] = Array.from({ length: 12 }, (_, k) => ({
        path: ['headers', `x-h${k}`],
        role: 'header',
        header: `x-h${k}`,
        text: text.split('').join(''),
      }));
      assert.deepEqual(cached.scan(inputs), plain.scan(inputs));
    }
  });

  it('does not share findings between callers (a caller may change what it gets)', () => {
    const text = `token ghp_${'a1B2c3D4e5'.repeat(4)}x1 ${filler}`;
    const inputs: ScanInput[] = [{ path: ['messages', 0, 'content'], role: 'user', text }];
    const first = cached.scan(inputs);
    assert.ok(first.length > 0);
    for (const f of first) f.start = -1;
    assert.deepEqual(cached.scan(inputs), plain.scan(inputs));
  });
});

describe('TextCache', () => {
  it('finds equal texts that are different strings, and tells same-length texts apart', () => {
    const cache = new TextCache<number>(10, 1000);
    cache.set('abcd', 1);
    cache.set('abce', 2);
    assert.equal(cache.get(['a', 'b', 'c', 'd'].join('')), 1);
    assert.equal(cache.get('abce'), 2);
    assert.equal(cache.get('abcf'), undefined);
    cache.set('abcd', 3);
    assert.equal(cache.get('abcd'), 3);
    assert.equal(cache.size, 2);
  });

  it('drops the least recently used entry past its entry and character bounds', () => {
    const cache = new TextCache<number>(3, 40);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a'); // a is now the most recent
    cache.set('d', 4);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((t) => cache.get(t)),
      [1, undefined, 3, 4],
    );
    // The gets above left the order a, c, d: a new entry drops a for the entry bound.
    cache.set('x'.repeat(10), 5);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('c'), 3);
    cache.set('y'.repeat(10), 6);
    cache.set('z'.repeat(10), 7); // 30+ characters kept, over 40 with the rest
    assert.ok(cache.size <= 3);
    assert.equal(cache.get('z'.repeat(10)), 7);
    cache.set('w'.repeat(11), 8); // longer than a quarter of the bound: not kept
    assert.equal(cache.get('w'.repeat(11)), undefined);
  });

  it('keeps nothing when turned off', () => {
    const cache = new TextCache<number>(0);
    cache.set('a', 1);
    assert.equal(cache.get('a'), undefined);
  });
});

describe('engine findings cache, short texts', () => {
  const cached = createEngine({ canaries, corporateSuffixes: ['corp.example'] });
  const plain = createEngine({ canaries, corporateSuffixes: ['corp.example'], cacheEntries: 0 });

  it('returns what an uncached engine returns, for remembered short texts at any place', () => {
    let total = 0;
    fc.assert(
      fc.property(
        fc.array(shortText, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        (pool, picks) => {
          for (let r = 0; r < 3; r++) {
            const inputs: ScanInput[] = picks.map(([t, p]) => ({
              ...places[(p + r) % places.length]!,
              // Equal contents, distinct strings.
              text: pool[t % pool.length]!.split('').join(''),
            }));
            const want = plain.scan(inputs);
            assert.deepEqual(cached.scan(inputs), want);
            total += want.length;
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(total > 100, `the corpus must produce findings to compare (got ${total})`);
  });

  it('does not share findings between callers', () => {
    const inputs: ScanInput[] = [{ path: ['metadata', 'user_id'], role: 'metadata', text: 'BUILD-BOX-7' }];
    const first = cached.scan(inputs);
    assert.ok(first.length > 0);
    for (const f of first) f.start = -1;
    assert.deepEqual(cached.scan(inputs), plain.scan(inputs));
  });

  it('keeps the findings of frozen inputs by the input, at whatever index they come', () => {
    const texts = [
      'BUILD-BOX-7',
      `see /home/alice/src/x and ghp_${'a1B2c3D4e5'.repeat(4)}x1 `.repeat(4),
      'nothing here',
    ];
    const frozen = texts.map((text, k) => {
      const place = places[k % places.length]!;
      return Object.freeze({ ...place, path: Object.freeze([...place.path]), text });
    });
    for (let round = 0; round < 3; round++) {
      const fresh: ScanInput = { path: ['messages', round, 'content'], role: 'user', text: texts[1]! };
      const inputs: ScanInput[] = round === 1 ? [fresh, ...frozen].reverse() : [...frozen, fresh];
      const want = plain.scan(inputs);
      assert.ok(want.length > 0);
      assert.deepEqual(cached.scan(inputs), want);
    }
  });
});
