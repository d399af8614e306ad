/** Streamed answers reach the client event by event, and a client that leaves aborts upstream. */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startGateway } from '../../src/gateway/server.js';
import type { Exchange } from '../../src/gateway/exchange.js';
import { startStack, testConfig } from '../helpers/stack.js';

test('events are forwarded as they arrive: an upstream that stalls after 3 events still delivers those 3', async () => {
  // If the gateway held anything back, the client would wait for the stall forever.
  const stack = await startStack({
    script: { reply: [{ text: 'alpha beta gamma delta epsilon zeta' }], stallAfterEvents: 3 },
  });
  try {
    const ac = new AbortController();
    const res = await fetch(`${stack.via.anthropic}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/\n\n/g) ?? []).length < 3) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'stream ended before three events');
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /event: message_start/);
    ac.abort();
  } finally {
    await stack.close();
  }
});

test('a paced stream through the gateway equals the same stream direct, byte for byte', async () => {
  const stack = await startStack({ pacingMs: 20, script: { reply: [{ text: 'one two three four five' }] } });
  try {
    const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const get = async (base: string) => {
      const res = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return (await res.text()).replace(/"(id|created)":("[^"]*"|\d+)/g, '');
    };
    assert.equal(await get(stack.via.openai), await get(stack.sim.urls.openai));
  } finally {
    await stack.close();
  }
});

test('a client that disconnects aborts the upstream request', async () => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const open = new Set<ServerResponse>();
  const upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: ping\ndata: {"type":"ping"}\n\n');
    open.add(res);
    res.on('close', () => upstreamClosed());
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const exchanges: Exchange[] = [];
  const gw = await startGateway({
    config: testConfig({}, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
    onExchange: (ex) => void exchanges.push(ex),
  });
  try {
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"m","stream":true,"messages":[]}',
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await closed; // resolves only when the gateway dropped its upstream request
    while (exchanges.length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(exchanges[0]!.aborted, true);
  } finally {
    for (const r of open) r.destroy();
    await gw.close(100);
    await new Promise((r) => upstream.close(r));
  }
});
