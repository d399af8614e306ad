/**
 * The engine also remembers the findings of short texts (under 64 characters), by context and
 * text, and those of frozen inputs by the input: a cached engine must still return exactly what
 * an uncached one returns, whatever the place of the input that carries a remembered text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Canary } from '../../src/detect/canary-encodings.js';
import { createEngine } from '../../src/detect/engine.js';
import { defaultRules } from '../../src/detect/rules/index.js';
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
  '/home/alice/src/x',
  'user_id',
  'text',
];
const shortText = fc
  .array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 2 })
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
