/**
 * The id-span cache of the persistent-id detector must not change a single finding: the same
 * request stream through a cached and an uncached detector gives identical findings, request by
 * request, whatever repeats (byte-identical system prompts, ids moving between places). The
 * spans of frozen inputs (segments of a remembered tools array or system prompt, the same
 * objects request after request) are kept by the input itself, whatever index it comes at.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPersistentIdDetector, MemoryIdTracker } from '../../src/detect/tracking.js';
import type { Role } from '../../src/dialects/types.js';
import type { ScanInput } from '../../src/detect/types.js';

/** The same detector with its id-span cache and without. */
function cachedAndPlain() {
  const options = { key: 'k', threshold: 2 };
  return {
    cached: createPersistentIdDetector({ tracker: new MemoryIdTracker(), ...options }),
    plain: createPersistentIdDetector({ tracker: new MemoryIdTracker(), ...options, cacheEntries: 0 }),
  };
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefABCDEF0123456789_-xyzQRST';
const WORDS = ['the', 'tool', 'session', 'device', '=', ' ', '\n', '"', ':', '/', 'id'];

function randomText(next: () => number, ids: readonly string[]): string {
  let out = '';
  const parts = 1 + Math.floor(next() * 12);
  for (let k = 0; k < parts; k++) {
    const r = next();
    if (r < 0.35) out += ids[Math.floor(next() * ids.length)];
    else if (r < 0.5) {
      const n = 10 + Math.floor(next() * 30);
      for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
    } else out += WORDS[Math.floor(next() * WORDS.length)];
  }
  return out;
}

const ROLES: readonly Role[] = ['system', 'tool_definition', 'metadata', 'user', 'header'];

describe('persistent-id span cache', () => {
  it('gives the same findings as an uncached detector over a random request stream', async () => {
    let total = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed);
      const ids = [
        '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
        '18f90c280eba5b758084e808479bcde3',
        'Q7zK2LmX9vTb4RcW8nYpa1',
        'deadbeefdeadbeef',
        'abcdefabcdefabcdefab',
      ];
      // A pool of texts that recur across requests, like a system prompt does.
      const pool = Array.from({ length: 6 }, () => randomText(next, ids));
      const { cached, plain } = cachedAndPlain();
      for (let r = 0; r < 12; r++) {
        const inputs: ScanInput[] = Array.from({ length: 1 + Math.floor(next() * 5) }, (_, i) => {
          const role = ROLES[Math.floor(next() * ROLES.length)]!;
          // Texts equal by value but distinct strings, as JSON.parse makes them.
          const text =
            next() < 0.7 ? pool[Math.floor(next() * pool.length)]!.split('').join('') : randomText(next, ids);
          return role === 'header'
            ? { path: ['headers', 'x-tag'], role, header: 'x-tag', text }
            : { path: [role, i % 2, 'text'], role, text };
        });
        const want = await plain.scan(inputs);
        const got = await cached.scan(inputs);
        assert.deepEqual(got, want, `seed ${seed}, request ${r}`);
        total += want.length;
      }
    }
    assert.ok(total > 100, `the stream must produce findings to compare (got ${total})`);
  });

  it('still counts an id once per request when its text comes from the cache', async () => {
    const detector = createPersistentIdDetector({ tracker: new MemoryIdTracker(), key: 'k', threshold: 3 });
    const system = 'You are Claude. Build 18f90c280eba5b758084e808479bcde3 of the prompt.';
    const found: number[] = [];
    for (let r = 0; r < 4; r++) {
      const inputs: ScanInput[] = [{ path: ['system', 0, 'text'], role: 'system', text: `${system}` }];
      found.push((await detector.scan(inputs)).length);
    }
    assert.deepEqual(found, [0, 0, 1, 1]);
  });
});

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
    const { cached, plain } = cachedAndPlain();
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
