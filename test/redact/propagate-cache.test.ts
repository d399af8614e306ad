/**
 * propagateEdits remembers where a value list occurs in a text (conversations resend their
 * texts every turn). The cached answer must be exactly the fresh one, for texts that come back
 * as different strings or as the same frozen inputs, with value lists that change between requests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ScanInput } from '../../src/detect/types.js';
import { propagateEdits, type Edit } from '../../src/redact/apply.js';

const VALUES = [
  '/home/alice',
  '/home/alice/src/zebra',
  'zebra',
  'alice',
  'Alice Liddell',
  'ghp_a1B2c3D4e5F6g7H8i9J0',
  'build-box-7',
  'aa',
];
const pieces = [...VALUES, ' ', '/', '-', 'x', '_', '.', '\n', 'zebras', 'alice2', 'aaa'];
const filler = ' some words around the values, long enough to be remembered. '.repeat(4);
const text = fc.oneof(
  fc
    .array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 25 })
    .map((parts) => parts.join('') + filler + parts.reverse().join('')),
  // Short texts (under 64 characters) have a cache of their own.
  fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('')),
);

describe('propagateEdits cache', () => {
  it('finds the same edits with and without the cache', () => {
    let total = 0;
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 4 }),
        fc.array(fc.subarray(VALUES, { minLength: 1 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (pool, valueLists, editAt) => {
          // Frozen inputs (remembered segments) are the same objects in every request.
          const frozen: ScanInput[] = pool.map((t, i) =>
            Object.freeze({
              path: Object.freeze(['tools', i, 'description']),
              role: 'tool_definition',
              text: t,
            }),
          );
          for (let r = 0; r < 3; r++) {
            const values = valueLists[r % valueLists.length]!;
            const replaced = new Map(values.map((v, k) => [v, `S${k}`]));
            // Copies: equal contents, distinct strings, as every request's JSON.parse gives.
            const inputs: ScanInput[] = pool.map((t, i) => ({
              path: ['messages', i, 'content'],
              role: 'user',
              text: t.split('').join(''),
            }));
            const first = inputs[0]!.text;
            const at = editAt % first.length;
            const edits: Edit[] = [{ input: 0, start: at, end: Math.min(first.length, at + 3), text: '' }];
            const fresh = propagateEdits(inputs, edits, replaced, { cache: false });
            assert.deepEqual(propagateEdits(inputs, edits, replaced), fresh);
            total += fresh.length;
            const mixed = [...frozen, ...inputs];
            assert.deepEqual(
              propagateEdits(mixed, edits, replaced),
              propagateEdits(mixed, edits, replaced, { cache: false }),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
    assert.ok(total > 500, `the corpus must produce edits to compare (got ${total})`);
  });
});
