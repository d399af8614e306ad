/**
 * Tracking stand-ins are remembered per (place, value): a remembered answer must be the one a
 * fresh instance with the same key computes, also after the memory was flushed for size.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Surrogates } from '../../src/redact/surrogates.js';
import { MemoryVault } from '../../src/redact/vault.js';

const key = Buffer.alloc(32, 7);
const ids = Array.from(
  { length: 12 },
  (_, k) => `${k.toString(16).padStart(8, '0')}-9a4d-4e21-b7c3-1d2e3f4a5b6c`,
);
const places = ['metadata.user_id#0', 'metadata.user_id#1', 'header:x-session-id#0'];

describe('tracking stand-in memory', () => {
  it('answers as a fresh instance does, before and after a flush', () => {
    const remembered = new Surrogates(key, new MemoryVault(), { maxCache: 5 });
    for (let round = 0; round < 3; round++) {
      for (const place of places) {
        for (const id of ids) {
          const fresh = new Surrogates(key, new MemoryVault()).tracking(id, place);
          assert.equal(remembered.tracking(id, place), fresh);
          assert.notEqual(fresh, id);
        }
      }
    }
  });
});
