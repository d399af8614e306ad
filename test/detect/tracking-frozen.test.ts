/**
 * The persistent-id detector keeps the id spans of frozen inputs (segments of a remembered
 * tools array or system prompt, the same objects request after request) by the input itself:
 * the findings must be those of an uncached detector, whatever index the frozen input comes at,
 * and every id must still be counted once per request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPersistentIdDetector, MemoryIdTracker } from '../../src/detect/tracking.js';
import type { ScanInput } from '../../src/detect/types.js';

const frozen = (input: ScanInput): ScanInput =>
  Object.freeze({ ...input, path: Object.freeze([...input.path]) });

describe('persistent-id spans of frozen inputs', () => {
  it('gives the same findings as an uncached detector', async () => {
    const shared = [
      frozen({
        path: ['system', 0, 'text'],
        role: 'system',
        text: 'Build 18f90c280eba5b758084e808479bcde3 here.',
      }),
      frozen({
        path: ['tools', 0, 'description'],
        role: 'tool_definition',
        text: 'no ids at all in this one',
      }),
      frozen({
        path: ['tools', 1, 'description'],
        role: 'tool_definition',
        text: 'session 3f2504e0-4f89-11d3-9a0c-0305e82c3301 and Q7zK2LmX9vTb4RcW8nYpa1',
      }),
    ];
    const cached = createPersistentIdDetector({ tracker: new MemoryIdTracker(), key: 'k', threshold: 2 });
    const plain = createPersistentIdDetector({
      tracker: new MemoryIdTracker(),
      key: 'k',
      threshold: 2,
      cacheEntries: 0,
    });
    let total = 0;
    for (let r = 0; r < 6; r++) {
      const own: ScanInput = {
        path: ['metadata', 'user_id'],
        role: 'metadata',
        text: `{"device_id":"deadbeefdeadbeef${r % 2}","session_id":"abcdefabcdefabcdefab"}`,
      };
      const inputs = r % 2 === 0 ? [own, ...shared] : [...shared].reverse().concat(own);
      const want = await plain.scan(inputs);
      assert.deepEqual(await cached.scan(inputs), want, `request ${r}`);
      total += want.length;
    }
    assert.ok(total > 5, `the stream must produce findings to compare (got ${total})`);
  });
});
