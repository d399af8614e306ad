import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  createPersistentIdDetector,
  MemoryIdTracker,
  placeOf,
  type IdTracker,
} from '../../src/detect/tracking.js';
import { RedisIdTracker } from '../../src/detect/tracking-redis.js';
import type { ScanInput } from '../../src/detect/types.js';

const DEVICE = '18f90c280eba5b758084e808479bcde3ea09477a2da1fb3f1c7a0fc9f976c4a8';

function request(session: string, toolUseId: string): ScanInput[] {
  return [
    {
      path: ['metadata', 'user_id'],
      role: 'metadata',
      text: JSON.stringify({ device_id: DEVICE, account_uuid: '', session_id: session }),
    },
    {
      path: ['headers', 'x-trace-tag'],
      role: 'header',
      header: 'x-trace-tag',
      text: 'tag-Q7zK2LmX9vTb4RcW8nYp',
    },
    { path: ['messages', 1, 'content', 0, 'id'], role: 'tool_use', text: toolUseId },
    { path: ['system', 0, 'text'], role: 'system', text: 'You are a helpful assistant. Version 2.1.3.' },
  ];
}

async function runRequests(tracker: IdTracker, n: number): Promise<string[][]> {
  const detector = createPersistentIdDetector({ tracker, key: 'test-key', threshold: 3 });
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const inputs = request(randomUUID(), 'toolu_01A09q90qw90lq917835lq9');
    const found = await detector.scan(inputs);
    out.push(found.map((f) => inputs[f.input]!.text.slice(f.start, f.end)));
  }
  return out;
}

describe('persistent identifiers (memory)', () => {
  it('reports an id seen at the same place in 3 requests, not a per-request id', async () => {
    const seen = await runRequests(new MemoryIdTracker(), 4);
    assert.deepEqual(seen[0], []);
    assert.deepEqual(seen[1], []);
    assert.deepEqual(seen[2], [DEVICE, 'tag-Q7zK2LmX9vTb4RcW8nYp']);
    assert.deepEqual(seen[3], [DEVICE, 'tag-Q7zK2LmX9vTb4RcW8nYp']);
  });

  it('ignores conversation history, which is resent on every turn', async () => {
    const seen = await runRequests(new MemoryIdTracker(), 5);
    assert.ok(seen.every((s) => !s.includes('toolu_01A09q90qw90lq917835lq9')));
  });

  it('leaves protocol flags and model names alone, however often they come', async () => {
    const detector = createPersistentIdDetector({ tracker: new MemoryIdTracker(), key: 'k', threshold: 2 });
    const flags = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27';
    const inputs: ScanInput[] = [
      { path: ['headers', 'anthropic-beta'], role: 'header', header: 'anthropic-beta', text: flags },
      // The same flags in a header of no known meaning, and model ids in the system prompt.
      { path: ['headers', 'x-flags'], role: 'header', header: 'x-flags', text: flags },
      {
        path: ['system', 2, 'text'],
        role: 'system',
        text: "Haiku 4.5: 'claude-haiku-4-5-20251001', Sonnet: 'claude-sonnet-4-5-20250929'",
      },
      // A random id beside them is still reported.
      { path: ['metadata', 'user_id'], role: 'metadata', text: 'user_8Fq2kLx9Rz3mWp7vTb4n' },
    ];
    for (let i = 0; i < 3; i++) await detector.scan(inputs);
    const found = await detector.scan(inputs);
    assert.deepEqual(
      found.map((f) => inputs[f.input]!.text.slice(f.start, f.end)),
      ['user_8Fq2kLx9Rz3mWp7vTb4n'],
    );
  });

  it('counts an id once per request however often it repeats', async () => {
    const tracker = new MemoryIdTracker();
    const detector = createPersistentIdDetector({ tracker, key: 'k', threshold: 2 });
    const twice: ScanInput[] = [{ path: ['metadata', 'x'], role: 'metadata', text: `${DEVICE} ${DEVICE}` }];
    assert.equal((await detector.scan(twice)).length, 0);
    assert.equal((await detector.scan(twice)).length, 2);
  });

  it('keys places by role, path shape and header name', () => {
    assert.equal(
      placeOf({ path: ['messages', 3, 'content', 0], role: 'user', text: '' }),
      'user|messages.*.content.*|',
    );
    assert.equal(
      placeOf({ path: ['headers', 'x-a'], role: 'header', header: 'x-a', text: '' }),
      'header|headers.x-a|x-a',
    );
  });

  it('bounds the memory tracker', () => {
    const tracker = new MemoryIdTracker(10);
    for (let i = 0; i < 100; i++) tracker.observe('p', `h${i}`);
    assert.equal(tracker.size, 10);
    assert.equal(tracker.observe('p', 'h0'), 1, 'the oldest entry was dropped');
    assert.equal(tracker.observe('p', 'h99'), 2);
  });
});

describe('persistent identifiers (Redis at 127.0.0.1:6379)', () => {
  const prefix = `airlock-test:${randomUUID()}:`;
  const client = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  after(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });

  it('counts across tracker instances (as several gateways would) and stores only hashes', async () => {
    const first = new RedisIdTracker({ client, prefix, ttlSeconds: 60 });
    const second = new RedisIdTracker({ client, prefix, ttlSeconds: 60 });
    const a = await runRequests(first, 2);
    const b = await runRequests(second, 1);
    assert.deepEqual(
      [...a, ...b].map((s) => s.length),
      [0, 0, 2],
    );
    const keys = await client.keys(`${prefix}*`);
    assert.ok(keys.length > 0);
    for (const key of keys) {
      assert.ok(
        !key.includes(DEVICE) && !key.includes('Q7zK2LmX9vTb4RcW8nYp') && !key.includes('metadata'),
        key,
      );
      assert.ok((await client.ttl(key)) > 0, 'counters expire');
    }
  });
});
