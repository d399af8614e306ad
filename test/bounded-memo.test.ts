/** BoundedMemo: a Map that never holds more than its maximum, emptied or trimmed when full. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BoundedMemo } from '../src/bounded-memo.js';

describe('BoundedMemo', () => {
  it("'all': adding to a full memo empties it first; replacing an entry does not", () => {
    const m = new BoundedMemo<string, number>(2);
    m.set('a', 1).set('b', 2);
    m.set('b', 3);
    assert.deepEqual(
      [...m],
      [
        ['a', 1],
        ['b', 3],
      ],
    );
    m.set('c', 4);
    assert.deepEqual([...m], [['c', 4]]);
  });

  it("'oldest': adding to a full memo drops the entry added first", () => {
    const m = new BoundedMemo<string, number>(2, 'oldest');
    m.set('a', 1).set('b', 2).set('c', 3);
    assert.deepEqual(
      [...m],
      [
        ['b', 2],
        ['c', 3],
      ],
    );
  });

  it('never holds more than its maximum, and holds what was set last', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<'all' | 'oldest'>('all', 'oldest'),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer()), { maxLength: 100 }),
        (max, evict, writes) => {
          const m = new BoundedMemo<number, number>(max, evict);
          for (const [k, v] of writes) {
            m.set(k, v);
            assert.ok(m.size <= max);
            assert.equal(m.get(k), v);
          }
        },
      ),
    );
  });

  it('refuses a maximum with no room', () => {
    assert.throws(() => new BoundedMemo(0), RangeError);
  });
});
