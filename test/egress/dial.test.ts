/**
 * Destinations that never answer the dial (a loopback listener that accepts nothing): the connect
 * timeout for CONNECT and plain requests alike, and a client that goes while the proxy dials.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { EgressEvent } from '../../src/egress/events.js';
import { startForwardProxy, type ForwardProxy } from '../../src/egress/proxy.js';
import { rawExchange, startBlackhole } from './helpers.js';

let blackhole: Awaited<ReturnType<typeof startBlackhole>>;
before(async () => (blackhole = await startBlackhole()));
after(() => blackhole.close());

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
}

async function withProxy(
  connectTimeoutMs: number,
  body: (proxy: ForwardProxy, events: () => EgressEvent[]) => Promise<void>,
): Promise<void> {
  const events: EgressEvent[] = [];
  const proxy = await startForwardProxy({ port: 0, connectTimeoutMs, onEvent: (e) => events.push(e) });
  try {
    await body(proxy, () => {
      proxy.flushEvents();
      return events;
    });
  } finally {
    await proxy.close();
  }
}

test('plain requests get the connect timeout of CONNECT: 504', { timeout: 30_000 }, () =>
  withProxy(300, async (proxy, events) => {
    const target = `127.0.0.1:${blackhole.port}`;
    const tunnel = await rawExchange(proxy.port, `CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(tunnel, /^HTTP\/1\.1 504 /);
    const plain = await rawExchange(proxy.port, `GET http://${target}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(plain, /^HTTP\/1\.1 504 [\s\S]*unreachable \(ETIMEDOUT\)/);
    assert.deepEqual(
      events().map((e) => [e.method, e.outcome, e.status, e.error]),
      [
        ['CONNECT', 'upstream_error', 504, 'ETIMEDOUT'],
        ['GET', 'upstream_error', 504, 'ETIMEDOUT'],
      ],
    );
  }),
);

test('a CONNECT whose client goes while the proxy dials still has its one event', { timeout: 30_000 }, () =>
  withProxy(20_000, async (proxy, events) => {
    const head = (host: string, agent: string) =>
      `CONNECT ${host}:${blackhole.port} HTTP/1.1\r\nHost: x\r\nUser-Agent: ${agent}\r\n\r\n`;
    const sent = [
      // The whole head in the first read: dialled on handles (an address, then a name).
      [head('127.0.0.1', 'fast-path-ip')],
      [head('localhost', 'fast-path-name')],
      // A head in two reads: the socket path.
      [head('127.0.0.1', 'socket-path').slice(0, 12), head('127.0.0.1', 'socket-path').slice(12)],
    ];
    const clients = [];
    for (const parts of sent) {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      socket.on('error', () => {});
      await once(socket, 'connect');
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 20));
      }
      clients.push(socket);
    }
    await until(() => proxy.activeTunnels() === 3, 'the three CONNECTs are being dialled');
    for (const socket of clients) socket.resetAndDestroy();
    await until(() => events().length === 3, 'one event per CONNECT');
    assert.deepEqual(
      events()
        .map((e) => [e.client.userAgent, e.decision, e.outcome, e.status])
        .sort(),
      [
        ['fast-path-ip', 'allow', 'abandoned', 0],
        ['fast-path-name', 'allow', 'abandoned', 0],
        ['socket-path', 'allow', 'abandoned', 0],
      ],
    );
    await until(() => proxy.activeTunnels() === 0, 'nothing left open');
    assert.equal(events().length, 3, 'and no second event');
  }),
);
