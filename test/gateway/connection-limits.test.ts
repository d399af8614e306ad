/**
 * Connections the gateway holds: from clients, at most limits.max_connections (node:http's
 * server.maxConnections: one past it is closed as soon as accepted); to each upstream origin, at
 * most limits.max_upstream_connections (undici's pool: a request past it waits for a free one).
 * Without them, clients could open connections until the process ran out of file descriptors,
 * and the gateway would open as many to the provider.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { createMetrics } from '../../src/metrics/index.js';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.js';
import { testConfig } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const EVENT = 'event: ping\ndata: {"type":"ping"}\n\n';
const BODY = '{"model":"m","stream":true,"messages":[]}';
const REQUEST =
  `POST /anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
  `content-length: ${BODY.length}\r\n\r\n${BODY}`;

/** A client connection and everything it was sent; `closed` when it ends. */
function open(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => text, closed };
}

describe('limits.max_connections and limits.max_upstream_connections', () => {
  let upstream: ScriptedUpstream;
  /** Streams the upstream began and holds open until the test ends them. */
  const streams: ServerResponse[] = [];
  /** The upstream's connections its requests came on. */
  const upstreamSockets = new Set<unknown>();

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      upstreamSockets.add(req.socket);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(EVENT);
        streams.push(res);
      });
    });
  });
  after(() => upstream.close());

  test('a client connection past the limit is closed unanswered, counted; one more fits once one closed', async () => {
    const metrics = createMetrics({ gatewayStats: () => gw.stats() });
    const gw: Gateway = await startGateway({
      config: testConfig({ limits: { max_connections: 3 } }, upstream.url),
      routes: [metrics.route],
    });
    try {
      // Three clients, each with a stream under way.
      streams.length = 0;
      const clients = [0, 1, 2].map(() => open(gw.port));
      for (const c of clients) c.socket.write(REQUEST);
      await until(() => streams.length === 3, 'three streams to begin');
      await until(() => clients.every((c) => c.received().includes('event: ping')), 'their first events');
      assert.equal(gw.stats().clientConnections, 3);

      // A fourth and a fifth: closed with nothing on them, their requests never forwarded.
      for (const n of [1, 2]) {
        const extra = open(gw.port);
        extra.socket.write(REQUEST);
        // Closed; or, served, its answer (which fails the test at once rather than hang it).
        await Promise.race([extra.closed, new Promise((resolve) => extra.socket.once('data', resolve))]);
        assert.equal(extra.received(), '');
        assert.equal(gw.stats().connectionsRefused, n);
      }
      assert.equal(streams.length, 3);
      assert.equal(gw.stats().clientConnections, 3);

      // One client leaves: a new connection is served (here, the metrics).
      clients[0]!.socket.destroy();
      await until(() => gw.stats().clientConnections === 2, 'the gateway to see it leave');
      const scrape = await fetch(`${gw.url}/metrics`);
      const text = await scrape.text();
      assert.match(text, /^airlock_connections_refused_total 2$/m);
      assert.match(text, /^airlock_client_connections 3$/m);
      // One each for the streams under way, and the cut stream's until undici has closed it.
      assert.match(text, /^airlock_upstream_connections [23]$/m);
      assert.match(text, /^airlock_upstream_requests_queued 0$/m);
      for (const res of streams) res.end();
      await Promise.all(clients.slice(1).map((c) => (c.socket.end(), c.closed)));
    } finally {
      await gw.close(200);
    }
  });

  test('requests past the upstream connections wait for a free one, then are all answered', async () => {
    const gw = await startGateway({
      config: testConfig({ limits: { max_upstream_connections: 2 } }, upstream.url),
    });
    try {
      streams.length = 0;
      upstreamSockets.clear();
      const clients = [0, 1, 2, 3, 4].map(() => open(gw.port));
      for (const c of clients) c.socket.write(REQUEST);
      // Two streams begin; the other three requests wait in the gateway.
      await until(() => gw.stats().upstreamQueued === 3, 'three requests to wait');
      assert.equal(streams.length, 2);
      assert.equal(gw.stats().upstreamConnections, 2);
      // Each stream that ends frees its connection for the next request waiting.
      for (let ended = 0; ended < 5; ended++) {
        await until(() => streams.length > ended, `stream ${ended + 1} to begin`);
        assert.ok(streams.length - ended <= 2, `${streams.length - ended} streams at once`);
        streams[ended]!.end();
      }
      for (const c of clients) {
        await until(() => /0\r\n\r\n$/.test(c.received()), 'each answer to end');
        assert.match(c.received(), /^HTTP\/1\.1 200 /);
      }
      assert.equal(upstreamSockets.size, 2);
      assert.equal(gw.stats().upstreamQueued, 0);
      for (const c of clients) c.socket.destroy();
    } finally {
      await gw.close(200);
    }
  });
});

test('a whole Airlock serves the connection gauges on /metrics', async () => {
  const stack = await startAirlockStack({}, { config: { limits: { max_connections: 1 } } });
  try {
    const held = open(stack.airlock.gateway.port);
    await until(() => stack.airlock.gateway.stats().clientConnections === 1, 'a connection to be open');
    const extra = open(stack.airlock.gateway.port);
    await extra.closed;
    held.socket.destroy();
    await until(() => stack.airlock.gateway.stats().clientConnections === 0, 'it to be closed');
    const text = await (await fetch(`${stack.airlock.gateway.url}/metrics`)).text();
    assert.match(text, /^airlock_client_connections 1$/m);
    assert.match(text, /^airlock_connections_refused_total 1$/m);
    assert.match(text, /^airlock_upstream_requests_queued 0$/m);
    assert.match(text, /^airlock_answers_held_bytes 0$/m);
  } finally {
    await stack.close();
  }
});
