/**
 * Connections the gateway holds: from clients, limits.max_connections served, a few more (a
 * 32nd, at least one) only answered 503 AIRLOCK_CONNECTIONS_FULL in the provider's shape, and
 * past those none (node:http's server.maxConnections: closed as soon as accepted); to each
 * upstream origin, at most limits.max_upstream_connections (undici's pool: a request past it
 * waits for a free one). Without them, clients could open connections until the process ran out
 * of file descriptors, and the gateway would open as many to the provider.
 */
import Anthropic from '@anthropic-ai/sdk';
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

  test("a client connection past the limit is answered 503 in its provider's shape, past the reserve closed unanswered; one more is served once one closed", async () => {
    const metrics = createMetrics({ gatewayStats: () => gw.stats() });
    const gw: Gateway = await startGateway({
      config: testConfig({ limits: { max_connections: 3 } }, upstream.url),
      routes: [metrics.route],
      onRefused: (reason) => metrics.observeRefused(reason),
    });
    try {
      // Three clients, each with a stream under way.
      streams.length = 0;
      const clients = [0, 1, 2].map(() => open(gw.port));
      for (const c of clients) c.socket.write(REQUEST);
      await until(() => streams.length === 3, 'three streams to begin');
      await until(() => clients.every((c) => c.received().includes('event: ping')), 'their first events');
      assert.equal(gw.stats().clientConnections, 3);

      // A fourth, twice (the reserve is one): its request answered 503 in Anthropic's shape,
      // never forwarded, and the connection closed.
      for (const path of ['/anthropic/v1/messages', 'http://127.0.0.1/openai/v1/chat/completions']) {
        const extra = open(gw.port);
        extra.socket.write(REQUEST.replace('/anthropic/v1/messages', path));
        await extra.closed;
        const [head, body] = extra.received().split('\r\n\r\n');
        assert.match(head!, /^HTTP\/1\.1 503 /);
        assert.match(head!, /^connection: close$/im);
        assert.match(head!, /^retry-after: 2$/im);
        assert.match(head!, /^x-airlock-error: AIRLOCK_CONNECTIONS_FULL$/im);
        const error = JSON.parse(body!) as Record<string, { type?: string; code?: string; message: string }>;
        if (path.includes('anthropic')) assert.equal(error.error!.type, 'overloaded_error');
        else assert.equal(error.error!.code, 'AIRLOCK_CONNECTIONS_FULL');
        assert.match(error.error!.message, /limits\.max_connections/);
      }
      // Answered at its head: a body of 1 GiB declared is not waited for (nor read but to linger).
      const large = open(gw.port);
      large.socket.write(
        'POST /anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
          `content-length: ${2 ** 30}\r\n\r\n{"model":"m",`,
      );
      await until(() => large.received().includes('AIRLOCK_CONNECTIONS_FULL'), 'the answer to the large one');
      assert.match(large.received(), /^HTTP\/1\.1 503 [^]*\r\nconnection: close\r\n/i);
      large.socket.destroy();
      await until(() => gw.stats().clientConnections === 3, 'it to be closed');
      assert.equal(streams.length, 3);
      assert.equal(gw.stats().connectionsRefused, 0);

      // The reserve held by a connection that sends nothing (yet): the next ones are closed unread.
      const waiting = open(gw.port);
      await until(() => gw.stats().clientConnections === 4, 'the reserve to be taken');
      for (const n of [1, 2]) {
        const extra = open(gw.port);
        extra.socket.write(REQUEST);
        // Closed; or, served, its answer (which fails the test at once rather than hang it).
        await Promise.race([extra.closed, new Promise((resolve) => extra.socket.once('data', resolve))]);
        assert.equal(extra.received(), '');
        assert.equal(gw.stats().connectionsRefused, n);
      }
      assert.equal(streams.length, 3);
      assert.equal(gw.stats().clientConnections, 4);

      // One client leaves: the one in the reserve is served when its request comes (the metrics).
      clients[0]!.socket.destroy();
      await until(() => gw.stats().clientConnections === 3, 'the gateway to see it leave');
      waiting.socket.write('GET /metrics HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n');
      await waiting.closed;
      const [head, text = ''] = waiting.received().split('\r\n\r\n');
      assert.match(head!, /^HTTP\/1\.1 200 /);
      assert.match(text, /^airlock_connections_refused_total 2$/m);
      assert.match(text, /^airlock_refused_requests_total\{reason="connections_full"\} 3$/m);
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

test('a whole Airlock answers the SDK past the limit with its overloaded error, and serves the connection gauges on /metrics', async () => {
  const stack = await startAirlockStack({}, { config: { limits: { max_connections: 1 } } });
  try {
    const held = open(stack.airlock.gateway.port);
    await until(() => stack.airlock.gateway.stats().clientConnections === 1, 'a connection to be open');
    // The official SDK, on a connection of the reserve: a 503 it reads as Anthropic's own.
    const client = new Anthropic({ baseURL: stack.via.anthropic, apiKey: 'k', maxRetries: 0 });
    const err = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('the request past the limit should be refused'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof Anthropic.InternalServerError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.headers.get('retry-after'), '2');
    assert.deepEqual(
      [(err.error as { error: { type: string } }).error.type, err.headers.get('x-airlock-error')],
      ['overloaded_error', 'AIRLOCK_CONNECTIONS_FULL'],
    );
    assert.match(err.message, /limits\.max_connections/);
    assert.equal(stack.sim.received.length, 0, 'nothing was forwarded');
    // The reserve (one connection) held: the next one is closed unread.
    const waiting = open(stack.airlock.gateway.port);
    await until(() => stack.airlock.gateway.stats().clientConnections === 2, 'the reserve to be taken');
    const extra = open(stack.airlock.gateway.port);
    await extra.closed;
    // A connection of the reserve that sends no request is not held for long (RESERVE_HEAD_MS).
    await waiting.closed;
    assert.equal(waiting.received(), '');
    held.socket.destroy();
    await until(() => stack.airlock.gateway.stats().clientConnections === 0, 'them to be closed');
    const text = await (await fetch(`${stack.airlock.gateway.url}/metrics`)).text();
    assert.match(text, /^airlock_client_connections 1$/m);
    assert.match(text, /^airlock_connections_refused_total 1$/m);
    assert.match(text, /^airlock_refused_requests_total\{reason="connections_full"\} 1$/m);
    assert.match(text, /^airlock_upstream_requests_queued 0$/m);
    assert.match(text, /^airlock_answers_held_bytes 0$/m);
  } finally {
    await stack.close();
  }
});
