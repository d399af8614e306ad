/**
 * Chaining to a corporate proxy. Destinations here are made-up names (`*.example.test`): the
 * upstream proxies in this file never resolve or dial them, they hand every tunnel to a loopback
 * echo server, so nothing leaves the machine.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startForwardProxy } from '../../src/egress/proxy.js';
import { logEgressEvents, type EgressEvent } from '../../src/egress/events.js';
import { describeProxyUrl, parseBypass, parseUpstreamProxy, routeFor } from '../../src/egress/upstream.js';
import { closeServer, listen, openConnect, rawExchange, readBytes, startEcho } from './helpers.js';

const USER = 'corp-user';
const PASS = 'Pa55:w0rd@corp';
const EXPECTED_AUTH = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;

let echo: Awaited<ReturnType<typeof startEcho>>;
const corpSeen: { method: string; target: string; auth: string | undefined; via: string | undefined }[] = [];
let corpPort = 0;
const corpSockets = new Set<Socket>();
const corp = createHttpServer((req, res) => {
  // Plain-http forwarding by the corporate proxy: answer for the destination.
  corpSeen.push({
    method: req.method ?? '',
    target: req.url ?? '',
    auth: req.headers['proxy-authorization'],
    via: req.headers.via,
  });
  if (req.headers['proxy-authorization'] !== EXPECTED_AUTH) {
    res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"' }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`corp forwarded ${req.url}`);
});
corp.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
  corpSeen.push({
    method: 'CONNECT',
    target: req.url ?? '',
    auth: req.headers['proxy-authorization'],
    via: req.headers.via,
  });
  if (req.headers['proxy-authorization'] !== EXPECTED_AUTH) {
    socket.end(
      'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n',
    );
    return;
  }
  const out = connect({ host: '127.0.0.1', port: echo.port }, () => {
    // Bytes right after the head belong to the tunnel: send some to check the proxy passes them on.
    socket.write('HTTP/1.1 200 Connection established\r\n\r\nHELLO-FROM-CORP;');
    if (head.length) out.write(head);
    socket.pipe(out).pipe(socket);
  });
  corpSockets.add(socket);
  socket.on('error', () => out.destroy());
  out.on('error', () => socket.destroy());
});

before(async () => {
  echo = await startEcho();
  corpPort = await listen(corp);
});

after(async () => {
  for (const s of corpSockets) s.destroy();
  await closeServer(corp);
  await echo.close();
});

test('CONNECT goes through the upstream proxy with its credentials, which no event or log line contains', async () => {
  const events: EgressEvent[] = [];
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  const log = logEgressEvents(pino({ level: 'info' }, sink));
  const upstreamUrl = `http://${encodeURIComponent(USER)}:${encodeURIComponent(PASS)}@127.0.0.1:${corpPort}`;
  const proxy = await startForwardProxy({
    port: 0,
    upstreamProxy: upstreamUrl,
    onEvent: (e) => {
      events.push(e);
      log(e);
    },
  });
  try {
    // The client authenticates to Airlock too (as Claude Code does with credentials in HTTPS_PROXY).
    const clientAuth = `Basic ${Buffer.from('client:cl1ent-secret').toString('base64')}`;
    const t = await openConnect(proxy.port, 'registry.example.test:443', {
      'Proxy-Authorization': clientAuth,
    });
    assert.equal(t.status, 200);
    t.socket.write('abc');
    const got = await readBytes(t.socket, 'HELLO-FROM-CORP;abc'.length, t.rest);
    assert.equal(
      got.toString(),
      'HELLO-FROM-CORP;abc',
      'bytes after the upstream answer head reach the client',
    );
    t.socket.destroy();

    const connectSeen = corpSeen.at(-1)!;
    assert.deepEqual(
      [connectSeen.method, connectSeen.target, connectSeen.auth],
      ['CONNECT', 'registry.example.test:443', EXPECTED_AUTH],
    );
    assert.equal(connectSeen.via, `1.1 ${proxy.via}`);

    // Plain http through the upstream: absolute-form, upstream credentials, not the client's.
    const plain = await rawExchange(
      proxy.port,
      `GET http://files.example.test/a?b=1 HTTP/1.1\r\nHost: files.example.test\r\nProxy-Authorization: ${clientAuth}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(plain, /^HTTP\/1\.1 200 [\s\S]*corp forwarded http:\/\/files\.example\.test\/a\?b=1/);
    assert.equal(corpSeen.at(-1)!.auth, EXPECTED_AUTH);

    proxy.flushEvents();
    assert.deepEqual(
      events.map((e) => [e.outcome, e.route]),
      [
        ['tunnel', 'upstream-proxy'],
        ['forwarded', 'upstream-proxy'],
      ],
    );
    const everything = JSON.stringify(events) + logLines.join('');
    for (const secret of [
      PASS,
      encodeURIComponent(PASS),
      EXPECTED_AUTH.slice(6),
      'cl1ent-secret',
      clientAuth.slice(6),
    ]) {
      assert.ok(!everything.includes(secret), `no ${secret} in events or logs`);
    }
    assert.ok(logLines.length >= 2, 'the log listener wrote lines');
  } finally {
    await proxy.close();
  }
});

test('wrong upstream credentials: 502 to the client, CONNECT and plain alike, the upstream status in the event', async () => {
  const events: EgressEvent[] = [];
  const proxy = await startForwardProxy({
    port: 0,
    upstreamProxy: `http://corp-user:wrong-pw@127.0.0.1:${corpPort}`,
    onEvent: (e) => events.push(e),
  });
  try {
    const t = await openConnect(proxy.port, 'x.example.test:443');
    assert.equal(t.status, 502);
    const body = (await readBytes(t.socket, 1, t.rest)).toString();
    assert.match(body, /upstream proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ answered 407/);
    assert.doesNotMatch(body, /wrong-pw/);
    t.socket.destroy();
    proxy.flushEvents();
    assert.equal(events.at(-1)!.error, 'PROXY_407');
    // A plain request too: the upstream's 407 is not Airlock asking the client for credentials.
    const plain = await rawExchange(
      proxy.port,
      'GET http://x.example.test/ HTTP/1.1\r\nHost: x.example.test\r\nConnection: close\r\n\r\n',
    );
    assert.match(plain, /^HTTP\/1\.1 502 /);
    assert.doesNotMatch(plain, /Proxy-Authenticate/i);
    assert.match(plain, /upstream proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ answered 407/);
    proxy.flushEvents();
    assert.deepEqual(
      events.map((e) => [e.method, e.outcome, e.status, e.route, e.error]),
      [
        ['CONNECT', 'upstream_error', 502, 'upstream-proxy', 'PROXY_407'],
        ['GET', 'upstream_error', 502, 'upstream-proxy', 'PROXY_407'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(events) + plain, /wrong-pw/);
  } finally {
    await proxy.close();
  }
});

test('loopback destinations skip the upstream proxy', async () => {
  const before = corpSeen.length;
  const events: EgressEvent[] = [];
  const proxy = await startForwardProxy({
    port: 0,
    upstreamProxy: `http://${USER}:x@127.0.0.1:${corpPort}`,
    upstreamBypass: ['.internal.test'],
    onEvent: (e) => events.push(e),
  });
  try {
    const t = await openConnect(proxy.port, `127.0.0.1:${echo.port}`);
    assert.equal(t.status, 200);
    t.socket.destroy();
    assert.equal(corpSeen.length, before, 'the corporate proxy saw nothing');
    proxy.flushEvents();
    assert.equal(events.at(-1)!.route, 'direct');
  } finally {
    await proxy.close();
  }
});

test('chaining through a second Airlock proxy works, and a proxy named as its own upstream ignores it', async () => {
  const innerEvents: EgressEvent[] = [];
  // The inner instance serves every tunnel from the loopback echo server through the seam.
  const inner = await startForwardProxy({
    port: 0,
    onEvent: (e) => innerEvents.push(e),
    interceptTunnel: () => (client, head) => {
      const out = connect({ host: '127.0.0.1', port: echo.port }, () => {
        if (head.length) out.write(head);
        client.pipe(out).pipe(client);
      });
      out.on('error', () => client.destroy());
    },
  });
  const outer = await startForwardProxy({ port: 0, upstreamProxy: inner.url, onEvent: () => {} });
  try {
    const t = await openConnect(outer.port, 'pkg.example.test:443');
    assert.equal(t.status, 200);
    t.socket.write('chained');
    assert.equal((await readBytes(t.socket, 7, t.rest)).toString(), 'chained');
    t.socket.destroy();
    inner.flushEvents();
    assert.deepEqual([innerEvents[0]?.host, innerEvents[0]?.outcome], ['pkg.example.test', 'intercepted']);
  } finally {
    await outer.close();
    await inner.close();
  }

  // A proxy whose upstream is itself (a shell that exported its address) would send every tunnel
  // back to itself: it says so and connects directly.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  for (const spelling of [
    `http://127.0.0.1:${port}`,
    `localhost:${port}`,
    `http://u:p@[::ffff:7f00:1]:${port}`,
  ]) {
    const warnings: [string, string][] = [];
    const selfish = await startForwardProxy({
      port,
      upstreamProxy: spelling,
      onEvent: () => {},
      onWarning: (message, code) => warnings.push([message, code]),
    });
    try {
      assert.equal(selfish.upstream, undefined, spelling);
      assert.equal(warnings.length, 1, spelling);
      assert.equal(warnings[0]![1], 'AIRLOCK_EGRESS_SELF_UPSTREAM');
      assert.match(warnings[0]![0], /is this proxy itself; ignored/);
      assert.doesNotMatch(warnings[0]![0], /u:p/);
    } finally {
      await selfish.close();
    }
  }
  // Another proxy's address is kept.
  const chained = await startForwardProxy({ port: 0, upstreamProxy: `http://127.0.0.1:${port}` });
  try {
    assert.equal(chained.upstream, `http://127.0.0.1:${port}`);
  } finally {
    await chained.close();
  }
});

test('describeProxyUrl masks credentials', () => {
  assert.equal(describeProxyUrl('http://u:p@proxy.corp:3128'), 'http://***@proxy.corp:3128');
  assert.equal(describeProxyUrl('proxy.corp:3128'), 'http://proxy.corp:3128');
  assert.equal(describeProxyUrl('::bad::'), '<invalid proxy URL>');
});

test('route choice: loopback and NO_PROXY-style bypass entries connect straight', () => {
  const corpProxy = parseUpstreamProxy('http://u:p@proxy.corp:3128');
  const bypass = parseBypass(['.internal.corp', 'build.example.org:8080', ' ', '10.0.0.0/8']);
  assert.equal(bypass.length, 2, 'unreadable NO_PROXY entries are skipped');
  const route = (host: string, port: number) =>
    routeFor({ host, port }, corpProxy, bypass)?.display ?? 'direct';
  assert.equal(route('127.0.0.1', 1), 'direct');
  assert.equal(route('localhost', 1), 'direct');
  assert.equal(route('::1', 1), 'direct');
  assert.equal(route('git.internal.corp', 443), 'direct');
  assert.equal(route('build.example.org', 8080), 'direct');
  assert.equal(route('build.example.org', 443), 'http://***@proxy.corp:3128');
  assert.equal(route('registry.npmjs.org', 443), 'http://***@proxy.corp:3128');
  assert.equal(routeFor({ host: 'x.org', port: 1 }, undefined, bypass), undefined);
  assert.equal(corpProxy.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.throws(() => parseUpstreamProxy('https://proxy.corp:3128'), /must be http/);
});
