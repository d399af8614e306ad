/**
 * The gateway's line for upstream connections (Upstreams.turn): at most
 * limits.max_upstream_connections requests to an origin under way, the others waiting in order,
 * each free to leave; the providers that share an origin share its line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUpstreams } from '../../src/gateway/upstream.js';
import { testConfig } from '../helpers/stack.js';

test('requests past the limit wait in order, leave when they like, and start when a turn is given back', async () => {
  // All three providers at one origin: one line.
  const upstreams = createUpstreams(testConfig({ limits: { max_upstream_connections: 2 } }));
  try {
    const started: string[] = [];
    const take = (name: string, provider: 'anthropic' | 'openai' | 'gemini' = 'anthropic') =>
      upstreams.turn(provider, () => started.push(name));
    const a = take('a');
    const b = take('b', 'openai');
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(a.waiting, false);
    const c = take('c', 'gemini');
    const d = take('d');
    const e = take('e');
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(upstreams.stats().queued, 3);

    // One leaves the line: the others keep their order.
    d.release();
    assert.equal(upstreams.stats().queued, 2);

    // A turn given back goes to the first waiting, once the code that gave it back is done (undici
    // releases from its own callback, and its connection is free only after it); a request that
    // comes meanwhile goes behind, not before it.
    a.release();
    const f = take('f');
    assert.deepEqual(started, ['a', 'b']);
    await Promise.resolve();
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.equal(c.waiting, false);
    assert.equal(f.waiting, true);

    // Released twice, a turn is given back once.
    a.release();
    await Promise.resolve();
    assert.deepEqual(started, ['a', 'b', 'c']);

    b.release();
    c.release();
    await Promise.resolve();
    assert.deepEqual(started, ['a', 'b', 'c', 'e', 'f']);
    assert.equal(upstreams.stats().queued, 0);
    e.release();
    f.release();
    // The line is empty: the next starts at once.
    take('g');
    assert.deepEqual(started.at(-1), 'g');
  } finally {
    await upstreams.close();
  }
});
