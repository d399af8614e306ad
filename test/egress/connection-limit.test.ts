/**
 * egress_proxy.max_connections: the proxy takes accepted handles itself (accept.ts), which
 * node:net's server.maxConnections never sees, so it counts its client connections on both ways
 * in (its own handles; node:net's sockets, the fallback forced here by hiding `useUserBuffer`).
 * A connection past the bound is closed unanswered and counted; each connection is given back
 * once when it closes, tunnels included (their handles change hands, their sockets are
 * re-created), so that one more fits again, and the count ends at zero.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { test } from 'node:test';
import { createMetrics } from '../../src/metrics/index.js';
import type { ForwardProxy } from '../../src/egress/proxy.js';
import { ConnectionBound } from '../../src/egress/connection-bound.js';
import { splice } from '../../src/egress/tunnel.js';
import { openConnect, readBytes, startProxyStand, type ProxyStand } from './helpers.js';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { until } from '../helpers/until.js';

/** A client connection, what it received, and `closed` when it ends. */
function open(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => text, closed };
}

const openNow = (proxy: ForwardProxy) => proxy.stats().clientConnections;

/** Waits until the proxy counts fewer than `above` connections, and checks it counts `expected`. */
async function settlesAt(proxy: ForwardProxy, above: number, expected: number): Promise<void> {
  await until(() => openNow(proxy) < above, `the proxy to count fewer than ${above} connections`);
  assert.equal(openNow(proxy), expected);
}

/** A tunnel to the echo that carried `payload` both ways. */
async function echoTunnel(s: ProxyStand, splitHead: boolean): Promise<Socket> {
  if (!splitHead) {
    const t = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
    assert.equal(t.status, 200);
    t.socket.write('ping');
    assert.equal((await readBytes(t.socket, 4, t.rest)).toString(), 'ping');
    return t.socket;
  }
  // The head in two writes: likely read in two (the socket path of the handle reader).
  const socket = connect(s.proxy.port, '127.0.0.1');
  socket.write('CONNECT 127.0.0.1:');
  await until(() => openNow(s.proxy) > 0, 'the connection to be accepted');
  socket.write(`${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const head = await readBytes(socket, 'HTTP/1.1 200'.length);
  assert.match(head.toString('latin1'), /^HTTP\/1\.1 200 /);
  return socket;
}

async function boundedStand(
  check: (s: ProxyStand, warnings: [string, string][]) => Promise<void>,
): Promise<void> {
  const warnings: [string, string][] = [];
  const s = await startProxyStand({
    maxConnections: 3,
    onWarning: (message, code) => warnings.push([message, code]),
  });
  try {
    await check(s, warnings);
  } finally {
    await s.close();
  }
}

async function boundAndRelease(s: ProxyStand, warnings: [string, string][]): Promise<void> {
  // Three connections: a fast-path tunnel, a socket-path tunnel, one silent (head awaited).
  const tunnel = await echoTunnel(s, false);
  const split = await echoTunnel(s, true);
  const silent = open(s.proxy.port);
  await until(() => openNow(s.proxy) === 3, 'three connections to be counted');

  // A fourth and a fifth: closed unanswered, nothing of them read.
  for (const n of [1, 2]) {
    const extra = open(s.proxy.port);
    extra.socket.write(`CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await extra.closed;
    assert.equal(extra.received(), '');
    assert.deepEqual(s.proxy.stats(), { clientConnections: 3, connectionsRefused: n });
  }
  // One log line for both (a minute's worth), naming the setting; the counter has every one.
  const full = warnings.filter(([, code]) => code === 'AIRLOCK_EGRESS_CONNECTIONS_FULL');
  assert.equal(full.length, 1);
  assert.match(full[0]![0], /3 are open \(egress_proxy\.max_connections\)/);
  const metrics = createMetrics({ egressStats: () => s.proxy.stats() }).render();
  assert.match(metrics, /^airlock_egress_client_connections 3$/m);
  assert.match(metrics, /^airlock_egress_connections_refused_total 2$/m);

  // A tunnel closes (client and destination sockets): given back once; one more fits.
  tunnel.destroy();
  await settlesAt(s.proxy, 3, 2);
  const again = await echoTunnel(s, false);
  assert.equal(openNow(s.proxy), 3);

  // Each of the others closes: once each, down to zero.
  split.destroy();
  await settlesAt(s.proxy, 3, 2);
  silent.socket.destroy();
  await settlesAt(s.proxy, 2, 1);
  again.end();
  await once(again, 'close');
  await settlesAt(s.proxy, 1, 0);
  assert.equal(s.proxy.stats().connectionsRefused, 2);
}

test('a connection past egress_proxy.max_connections is closed unanswered, counted; one more fits once one closed', () =>
  boundedStand(boundAndRelease));

/** The prototype that holds `useUserBuffer` for TCP handles (as tunnel-fallback.test.ts finds it). */
async function handlePrototypeWithUserBuffer(): Promise<object> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let proto = Object.getPrototypeOf((server as unknown as { _handle: object })._handle) as object | null;
  server.close();
  while (proto !== null && !Object.prototype.hasOwnProperty.call(proto, 'useUserBuffer'))
    proto = Object.getPrototypeOf(proto) as object | null;
  assert.ok(proto, 'this runtime has useUserBuffer');
  return proto;
}

test("the same through node:net's sockets (the fallback without useUserBuffer), plain requests too", async () => {
  const proto = await handlePrototypeWithUserBuffer();
  const saved = Object.getOwnPropertyDescriptor(proto, 'useUserBuffer')!;
  delete (proto as { useUserBuffer?: unknown }).useUserBuffer;
  try {
    await boundedStand(async (s, warnings) => {
      // A plain request on a keep-alive connection holds its place until the connection closes.
      const plain = open(s.proxy.port);
      plain.socket.write(
        `GET http://127.0.0.1:${s.web.port}/x HTTP/1.1\r\nHost: 127.0.0.1:${s.web.port}\r\n\r\n`,
      );
      await until(() => plain.received().includes('"url":"/x"'), 'the plain answer');
      await settlesAt(s.proxy, 2, 1);
      plain.socket.destroy();
      await settlesAt(s.proxy, 1, 0);
      await boundAndRelease(s, warnings);
    });
  } finally {
    Object.defineProperty(proto, 'useUserBuffer', saved);
  }
});

test('a tunnel whose client socket is re-created around its handle is still counted once, until it closes', async () => {
  // node:net's sockets with usable handles (a runtime where the proxy cannot take accepted
  // handles): splice() re-creates the client socket around its handle, and the old one emits
  // 'close' while the tunnel goes on.
  const s = await startProxyStand();
  const bound = new ConnectionBound(1, () => {});
  const accepted: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    assert.ok(bound.admitSocket(socket));
    accepted.push(socket);
  });
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await until(() => accepted.length === 1, 'the connection to be accepted');
    const toEcho = connect(s.echo.port, '127.0.0.1');
    await once(toEcho, 'connect');
    let spliced = false;
    const tunnel = splice(accepted[0]!, toEcho, () => (spliced = false));
    spliced = true;
    assert.notEqual(tunnel.client, accepted[0], 'the client socket was re-created');
    client.write('ping');
    assert.equal((await readBytes(client, 4)).toString(), 'ping');
    assert.equal(bound.stats().clientConnections, 1);
    assert.equal(bound.admitSocket(new Socket()), false, 'no room for another');
    client.destroy();
    await until(() => !spliced, 'the tunnel to close');
    await until(() => bound.stats().clientConnections < 1, 'the connection to be given back');
    assert.deepEqual(bound.stats(), { clientConnections: 0, connectionsRefused: 1 });
  } finally {
    server.close();
    await s.close();
  }
});

test('a whole Airlock bounds its egress proxy by egress_proxy.max_connections and serves its gauges on /metrics', async () => {
  const stack = await startAirlockStack({}, { config: { egress_proxy: { port: 0, max_connections: 1 } } });
  try {
    const egress = stack.airlock.egress!;
    const held = open(egress.port);
    await until(() => openNow(egress) === 1, 'a connection to be open');
    const extra = open(egress.port);
    await extra.closed;
    assert.equal(extra.received(), '');
    held.socket.destroy();
    await settlesAt(egress, 1, 0);
    const text = await (await fetch(`${stack.airlock.gateway.url}/metrics`)).text();
    assert.match(text, /^airlock_egress_client_connections 0$/m);
    assert.match(text, /^airlock_egress_connections_refused_total 1$/m);
  } finally {
    await stack.close();
  }
});
