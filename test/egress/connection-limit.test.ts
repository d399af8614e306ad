/**
 * egress_proxy.max_connections: the proxy takes accepted handles itself (accept.ts), which
 * node:net's server.maxConnections never sees, so it counts its client connections on both ways
 * in (its own handles; node:net's sockets, the fallback forced here by hiding `useUserBuffer`).
 * A connection past the bound, in the reserve (a 32nd more), has its first request answered 503
 * with Retry-After, whatever real client sent it (undici's ProxyAgent, node:http's CONNECT);
 * past the reserve it is closed unanswered; each is counted. Each connection is given back once
 * when it closes, tunnels included (their handles change hands, their sockets are re-created),
 * so that one more fits again, and the count ends at zero.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { test } from 'node:test';
import { join } from 'node:path';
import { ProxyAgent, request as undiciRequest } from 'undici';
import { createMetrics } from '../../src/metrics/index.js';
import type { ForwardProxy } from '../../src/egress/proxy.js';
import { ConnectionBound } from '../../src/egress/connection-bound.js';
import { splice } from '../../src/egress/tunnel.js';
import { openConnect, readBytes, startEcho, startProxyStand, type ProxyStand } from './helpers.js';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { baseEnv, startCli, tempDir } from '../run/helpers.js';
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

/** The 503 a connection of the reserve gets: short, plain, Retry-After, closed. */
function assertFullAnswer(
  status: number | undefined,
  headers: IncomingMessage['headers'],
  body: string,
): void {
  assert.equal(status, 503);
  assert.equal(headers['retry-after'], '2');
  assert.equal(headers.connection, 'close');
  assert.match(headers['content-type'] ?? '', /^text\/plain/);
  assert.match(
    body,
    /^Airlock egress proxy: 3 client connections are open \(egress_proxy\.max_connections\);.*Retry/,
  );
}

/** node:http's request through the proxy: a CONNECT, or a GET in absolute form. */
function nodeRequest(
  proxyPort: number,
  method: 'CONNECT' | 'GET',
  path: string,
): Promise<[IncomingMessage, string]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method, path, agent: false });
    req.on('error', reject);
    const read = (res: IncomingMessage, first: Buffer, from: NodeJS.ReadableStream) => {
      let body = first.toString();
      from.on('data', (c: Buffer) => (body += c.toString()));
      from.on('end', () => resolve([res, body]));
      from.on('error', reject);
    };
    // A CONNECT's answer of any status comes as 'connect', its body on the socket.
    req.on('connect', (res: IncomingMessage, socket: Socket, head: Buffer) => read(res, head, socket));
    req.on('response', (res: IncomingMessage) => read(res, Buffer.alloc(0), res));
    req.end();
  });
}

/**
 * Real clients on the one connection of the reserve, one after another: each first request
 * answered 503, nothing of it forwarded, the connection closed. Returns how many were answered.
 */
async function answeredFromReserve(s: ProxyStand): Promise<number> {
  const seenBefore = s.web.seen.length;
  const echoTarget = `127.0.0.1:${s.echo.port}`;
  const web = `http://127.0.0.1:${s.web.port}/x`;
  // Each is closed by its client once answered, which frees the reserve (one connection) for the next.
  const reserveFree = () => until(() => openNow(s.proxy) === 3, 'the answered connection to close');
  // undici's ProxyAgent: a CONNECT (its default, also for http:), which it reports by status.
  const tunnelling = new ProxyAgent({ uri: s.proxy.url });
  await assert.rejects(undiciRequest(web, { dispatcher: tunnelling }), /Proxy response \(503\) !== 200/);
  await tunnelling.close();
  await reserveFree();
  // The same without tunnelling: the GET in absolute form, whose 503 it hands over as it came.
  const plainAgent = new ProxyAgent({ uri: s.proxy.url, proxyTunnel: false });
  const res = await undiciRequest(web, { dispatcher: plainAgent });
  assertFullAnswer(res.statusCode, res.headers as IncomingMessage['headers'], await res.body.text());
  await plainAgent.close();
  await reserveFree();
  // node:http's CONNECT and absolute-form GET.
  for (const [method, path] of [
    ['CONNECT', echoTarget],
    ['GET', web],
  ] as const) {
    const [answer, body] = await nodeRequest(s.proxy.port, method, path);
    assertFullAnswer(answer.statusCode, answer.headers, body);
    await reserveFree();
  }
  assert.equal(s.web.seen.length, seenBefore, 'nothing was forwarded');
  return 4;
}

async function boundAndRelease(s: ProxyStand, warnings: [string, string][]): Promise<void> {
  // Three connections: a fast-path tunnel, a socket-path tunnel, one silent (head awaited).
  const tunnel = await echoTunnel(s, false);
  const split = await echoTunnel(s, true);
  const silent = open(s.proxy.port);
  await until(() => openNow(s.proxy) === 3, 'three connections to be counted');

  // A fourth, four times (the reserve of 3 is one): answered 503, none closed unanswered.
  const answered = await answeredFromReserve(s);
  assert.deepEqual(s.proxy.stats(), {
    clientConnections: 3,
    connectionsRefused: 0,
    connectionsFull: answered,
  });

  // The reserve held by a connection that sends nothing yet: a fifth and a sixth are closed
  // unanswered, nothing of them read.
  const waiting = open(s.proxy.port);
  await until(() => openNow(s.proxy) === 4, 'the reserve to be taken');
  for (const n of [1, 2]) {
    const extra = open(s.proxy.port);
    extra.socket.write(`CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await extra.closed;
    assert.equal(extra.received(), '');
    assert.deepEqual(s.proxy.stats(), {
      clientConnections: 4,
      connectionsRefused: n,
      connectionsFull: answered,
    });
  }
  // One log line for the answers and one for the closes (a minute's worth each), naming the
  // setting; the counters have every one.
  const full = warnings.filter(([, code]) => code === 'AIRLOCK_EGRESS_CONNECTIONS_FULL').map(([m]) => m);
  assert.equal(full.length, 2);
  assert.match(full[0]!, /answered 503: 3 client connections are served \(egress_proxy\.max_connections\)/);
  assert.match(
    full[1]!,
    /closed as soon as accepted: 3 are served \(egress_proxy\.max_connections\) and 1 more/,
  );
  const metrics = createMetrics({ egressStats: () => s.proxy.stats() }).render();
  assert.match(metrics, /^airlock_egress_client_connections 4$/m);
  assert.match(metrics, /^airlock_egress_connections_refused_total 2$/m);
  assert.match(metrics, new RegExp(`^airlock_egress_connections_full_total ${answered}$`, 'm'));

  // A tunnel closes (client and destination sockets): given back once; the connection waiting in
  // the reserve is served when its CONNECT comes.
  tunnel.destroy();
  await settlesAt(s.proxy, 4, 3);
  waiting.socket.write(`CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await until(() => waiting.received().includes('\r\n\r\n'), 'the answer to the waiting CONNECT');
  assert.match(waiting.received(), /^HTTP\/1\.1 200 /);
  waiting.socket.write('ping');
  await until(() => waiting.received().endsWith('ping'), 'the ping through its tunnel');
  // The reserve is free again: a fourth is answered 503 from it.
  const again = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(again.status, 503);
  again.socket.destroy();
  await settlesAt(s.proxy, 4, 3);
  assert.equal(s.proxy.stats().connectionsFull, answered + 1);

  // Each of the others closes: once each, down to zero.
  split.destroy();
  await settlesAt(s.proxy, 3, 2);
  silent.socket.destroy();
  await settlesAt(s.proxy, 2, 1);
  waiting.socket.end();
  await waiting.closed;
  await settlesAt(s.proxy, 1, 0);
  assert.deepEqual(s.proxy.stats(), {
    clientConnections: 0,
    connectionsRefused: 2,
    connectionsFull: answered + 1,
  });
}

test('a connection past egress_proxy.max_connections is answered 503 from the reserve, past it closed unanswered, counted; one more is served once one closed', () =>
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
    assert.equal(bound.admitSocket(socket), 'serve');
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
    const inReserve = new Socket();
    assert.equal(bound.admitSocket(inReserve), 'reserve');
    assert.equal(bound.admitSocket(new Socket()), 'refuse', 'no room for another');
    assert.equal(bound.leaveReserve(inReserve), false, 'still no place served');
    inReserve.destroy();
    client.destroy();
    await until(() => !spliced, 'the tunnel to close');
    await until(() => bound.stats().clientConnections < 1, 'the connection to be given back');
    assert.deepEqual(bound.stats(), { clientConnections: 0, connectionsRefused: 1, connectionsFull: 1 });
  } finally {
    server.close();
    await s.close();
  }
});

test('a whole Airlock bounds its egress proxy by egress_proxy.max_connections and its reserve, and serves its counts on /metrics', async () => {
  const stack = await startAirlockStack({}, { config: { egress_proxy: { port: 0, max_connections: 1 } } });
  try {
    const egress = stack.airlock.egress!;
    const held = open(egress.port);
    await until(() => openNow(egress) === 1, 'a connection to be open');
    const answered = await openConnect(egress.port, '127.0.0.1:9');
    assert.equal(answered.status, 503);
    answered.socket.destroy();
    await settlesAt(egress, 2, 1);
    const waiting = open(egress.port);
    await until(() => openNow(egress) === 2, 'the reserve to be taken');
    const extra = open(egress.port);
    await extra.closed;
    assert.equal(extra.received(), '');
    // A connection of the reserve that sends nothing is not held for long (RESERVE_HEAD_MS).
    await waiting.closed;
    assert.equal(waiting.received(), '');
    held.socket.destroy();
    await settlesAt(egress, 1, 0);
    const text = await (await fetch(`${stack.airlock.gateway.url}/metrics`)).text();
    assert.match(text, /^airlock_egress_client_connections 0$/m);
    assert.match(text, /^airlock_egress_connections_full_total 1$/m);
    assert.match(text, /^airlock_egress_connections_refused_total 1$/m);
  } finally {
    await stack.close();
  }
});

test(
  'the reserve on a runtime without the TCP bindings the fast path needs (onread sockets from the first byte)',
  { timeout: 60_000 },
  async () => {
    // `airlock proxy` in a child whose process.binding throws: handles.ts finds no bindings, so
    // every accepted handle becomes an onread socket at once (proxy.ts onSocketHandle).
    const echo = await startEcho();
    const dir = tempDir();
    writeFileSync(join(dir, 'policy.yaml'), `egress:\n  allow: ["127.0.0.1:${echo.port}"]\n`);
    writeFileSync(join(dir, 'airlock.yaml'), 'policy: policy.yaml\negress_proxy:\n  max_connections: 1\n');
    const noBindings = 'data:text/javascript,process.binding=()=>{throw%20new%20Error("hidden")}';
    const cli = startCli(
      ['proxy', '-p', '0', '-c', join(dir, 'airlock.yaml')],
      baseEnv({ NODE_OPTIONS: `--import=${noBindings}` }),
    );
    try {
      await cli.waitFor('export HTTPS_PROXY=');
      const port = Number(/proxy on http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stdout())?.[1]);
      const target = `127.0.0.1:${echo.port}`;
      /** A CONNECT's status; 0 when the connection was closed unanswered (past the reserve). */
      const tryConnect = (): Promise<Awaited<ReturnType<typeof openConnect>>> => {
        const attempt = openConnect(port, target);
        return Promise.race([
          attempt,
          attempt.then(
            () => new Promise<never>(() => {}),
            () => ({ status: 0, head: '', socket: new Socket(), rest: Buffer.alloc(0) }),
          ),
        ]);
      };
      /** Tries until the answer is `status`: the proxy sees a client's close a moment later. */
      const untilStatus = async (status: number) => {
        for (let tries = 0; ; tries++) {
          const t = await tryConnect();
          if (t.status === status || tries === 50) return t;
          t.socket.destroy();
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const held = await tryConnect();
      assert.equal(held.status, 200);
      const full = await tryConnect();
      assert.equal(full.status, 503);
      assert.match(full.head, /^Retry-After: 2$/m);
      full.socket.destroy();
      // Closed by its client, it gives its place in the reserve back; one served closes, and
      // the next is served.
      const again = await untilStatus(503);
      assert.equal(again.status, 503);
      again.socket.destroy();
      held.socket.destroy();
      const served = await untilStatus(200);
      assert.equal(served.status, 200);
      served.socket.write('ping');
      assert.equal((await readBytes(served.socket, 4, served.rest)).toString(), 'ping');
      served.socket.destroy();
    } finally {
      cli.child.kill('SIGINT');
      await echo.close();
    }
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /AIRLOCK_EGRESS_CONNECTIONS_FULL/);
  },
);
