import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sortIfNeeded } from '../src/sort-if-needed.js';

test('sortIfNeeded orders as the stable sort does, in place, sorted input or not', () => {
  const byKey = (a: [number, number], b: [number, number]): number => a[0] - b[0];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat()), { maxLength: 30 }),
      fc.boolean(),
      (list, presorted) => {
        // Ties on the key keep their order: both halves of the helper must be stable.
        const input = presorted ? [...list].sort(byKey) : list;
        const expected = [...input].sort(byKey);
        const copy = [...input];
        assert.equal(sortIfNeeded(copy, byKey), copy);
        assert.deepEqual(copy, expected);
      },
    ),
    { numRuns: 1000 },
  );
});
