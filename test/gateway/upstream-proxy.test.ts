/** The gateway's own upstream connections through a corporate proxy (`upstream_proxy`). */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startGateway } from '../../src/gateway/server.js';
import { startSimulator } from '../../src/simulator/index.js';
import { testConfig } from '../helpers/stack.js';

const MESSAGE = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
const HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };

test('a remote upstream is reached through the proxy, with its credentials', async () => {
  const seen: { method: string; url: string; auth?: string }[] = [];
  const proxy = createServer();
  proxy.on('connect', (req, socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers['proxy-authorization'] });
    // Refuse: nothing may leave this machine, and the request has proven its route.
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;
  const gw = await startGateway({
    config: testConfig(
      { upstream_proxy: `http://corp:s3cret@127.0.0.1:${port}` },
      'https://api.anthropic.example',
    ),
  });
  try {
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: HEADERS,
      body: MESSAGE,
    });
    assert.equal(res.status, 502);
    assert.ok(!(await res.text()).includes('s3cret'), 'proxy credentials are not echoed');
    assert.deepEqual(seen[0], {
      method: 'CONNECT',
      url: 'api.anthropic.example:443',
      auth: `Basic ${Buffer.from('corp:s3cret').toString('base64')}`,
    });
  } finally {
    await gw.close(100);
    await new Promise((r) => proxy.close(r));
  }
});

test('a loopback upstream is reached directly: a proxy cannot reach this machine', async () => {
  const sim = await startSimulator({ script: { reply: [{ text: 'direct' }] } });
  // The proxy's port is closed: any attempt through it would fail.
  const gw = await startGateway({ config: testConfig({ upstream_proxy: 'http://127.0.0.1:9' }, sim.url) });
  try {
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: HEADERS,
      body: MESSAGE,
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /direct/);
  } finally {
    await gw.close(100);
    await sim.close();
  }
});
