import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startForwardProxy } from '../../src/egress/proxy.js';
import type { EgressEvent } from '../../src/egress/events.js';
import {
  closeServer,
  listen,
  openConnect,
  rawExchange,
  readBytes,
  startProxyStand,
  type ProxyStand,
} from './helpers.js';
import { connect, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { once } from 'node:events';

let s: ProxyStand;
before(async () => (s = await startProxyStand({ connectTimeoutMs: 5000 })));
after(() => s.close());

/** After every bad input the proxy still opens a working tunnel. */
async function assertStillUp(): Promise<void> {
  const t = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(t.status, 200);
  t.socket.write('ping');
  assert.equal((await readBytes(t.socket, 4, t.rest)).toString(), 'ping');
  t.socket.destroy();
}

const connectLine = (target: string) => `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`;

test('malformed CONNECT targets get 400 and never echo the target', async () => {
  for (const target of [
    'nonsense',
    'example.com',
    'example.com:99999',
    'example.com:0',
    ':443',
    'a..b:443',
    'user:hunter2@example.com:443',
    '[::1:443',
    'ex%41mple.com:443',
  ]) {
    const answer = await rawExchange(s.proxy.port, connectLine(target));
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, target);
    assert.match(answer, /CONNECT target must be host:port/);
    const e = s.events.at(-1)!;
    assert.deepEqual([e.outcome, e.status, e.host, e.port], ['bad_request', 400, '', 0], target);
  }
  assert.doesNotMatch(JSON.stringify(s.events), /hunter2/);
  await assertStillUp();
});

test('absolute URIs to refused hosts, https absolute URIs and origin-form requests are refused cleanly', async () => {
  const refused = await rawExchange(
    s.proxy.port,
    'POST http://api.openai.com/v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Length: 2\r\n\r\n{}',
  );
  assert.match(refused, /^HTTP\/1\.1 403 Forbidden/);
  assert.match(refused, /built-in @model-apis \(api\.openai\.com\)/);
  const https = await rawExchange(
    s.proxy.port,
    'GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n',
  );
  assert.match(https, /^HTTP\/1\.1 400 [\s\S]*https URLs go through CONNECT/);
  const origin = await rawExchange(s.proxy.port, 'GET /some/path HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(origin, /^HTTP\/1\.1 400 [\s\S]*use me as HTTPS_PROXY/);
  const health = await rawExchange(
    s.proxy.port,
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(health, /^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nok\n$/);
  await assertStillUp();
});

test('requests for the proxy itself are loops: 508', async () => {
  for (const target of [
    `127.0.0.1:${s.proxy.port}`,
    `localhost:${s.proxy.port}`,
    `[::1]:${s.proxy.port}`,
    `127.1.2.3:${s.proxy.port}`,
  ]) {
    const answer = await rawExchange(s.proxy.port, connectLine(target));
    assert.match(answer, /^HTTP\/1\.1 508 Loop Detected/, target);
  }
  const plain = await rawExchange(
    s.proxy.port,
    `GET http://localhost:${s.proxy.port}/x HTTP/1.1\r\nHost: localhost\r\n\r\n`,
  );
  assert.match(plain, /^HTTP\/1\.1 508 /);
  // A request that already went through this proxy (our Via token) is a loop whatever its target.
  const via = await rawExchange(
    s.proxy.port,
    `GET http://127.0.0.1:${s.web.port}/ HTTP/1.1\r\nHost: x\r\nVia: 1.1 other, 1.1 ${s.proxy.via}\r\n\r\n`,
  );
  assert.match(via, /^HTTP\/1\.1 508 /);
  assert.equal(s.web.seen.length, 0, 'the looping request never reached the destination');
  // Another proxy's token is not ours.
  const other = await rawExchange(
    s.proxy.port,
    `GET http://127.0.0.1:${s.web.port}/ok HTTP/1.1\r\nHost: x\r\nVia: 1.1 airlock-00000000\r\nConnection: close\r\n\r\n`,
  );
  assert.match(other, /^HTTP\/1\.1 200 /);
  assert.equal(s.events.filter((e) => e.outcome === 'loop').length, 6);
  await assertStillUp();
});

test('other spellings of a denied address or of the proxy itself are refused too', async () => {
  const events: EgressEvent[] = [];
  const proxy = await startForwardProxy({
    port: 0,
    policy: { deny: [`127.0.0.1:${s.echo.port}`, `[::1]:${s.echo.port}`] },
    onEvent: (e) => events.push(e),
  });
  try {
    const denied = [
      '127.1',
      '2130706433',
      '0x7f.0.0.1',
      '0177.0.0.1',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      // The unspecified address: Linux connects it to loopback.
      '0.0.0.0',
      '0',
      '[::ffff:0.0.0.0]',
    ].map((host) => `${host}:${s.echo.port}`);
    for (const target of denied) {
      const answer = await rawExchange(proxy.port, connectLine(target));
      assert.match(answer, /^HTTP\/1\.1 403 /, target);
      assert.match(
        answer,
        new RegExp(`Airlock refused 127\\.0\\.0\\.1:${s.echo.port}: egress\\.deny\\[0\\]`),
      );
    }
    for (const target of ['[0::1]', '[0:0:0:0:0:0:0:1]', '[::]'].map((h) => `${h}:${s.echo.port}`)) {
      const answer = await rawExchange(proxy.port, connectLine(target));
      assert.match(answer, /^HTTP\/1\.1 403 /, target);
      // An IPv6 destination is shown the way it is written in a request.
      assert.match(answer, new RegExp(`Airlock refused \\[::1\\]:${s.echo.port}: egress\\.deny\\[1\\]`));
    }
    const plain = await rawExchange(
      proxy.port,
      `GET http://[::ffff:127.0.0.1]:${s.echo.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    assert.match(plain, /^HTTP\/1\.1 403 /);
    for (const self of ['127.1', '0', '0x7f000001', '[::ffff:7f00:1]', '[0:0::1]', '[::]']) {
      const answer = await rawExchange(proxy.port, connectLine(`${self}:${proxy.port}`));
      assert.match(answer, /^HTTP\/1\.1 508 /, self);
    }
    const v6self = await rawExchange(proxy.port, connectLine(`[::1]:${proxy.port}`));
    assert.match(v6self, new RegExp(`\\[::1\\]:${proxy.port} is this proxy`));
    // A numeric host that is no address is no destination.
    assert.match(await rawExchange(proxy.port, connectLine('1.2.3.256:443')), /^HTTP\/1\.1 400 /);
    proxy.flushEvents();
    assert.ok(
      events.every((e) => e.outcome !== 'tunnel'),
      'no spelling opened a tunnel to the denied address',
    );
  } finally {
    await proxy.close();
  }
});

test('very long header lines get 431, garbage gets 400, and the proxy stays up', async () => {
  const long = await rawExchange(
    s.proxy.port,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nX-Long: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
  );
  assert.match(long, /^HTTP\/1\.1 431 Request Header Fields Too Large/);
  const longGet = await rawExchange(
    s.proxy.port,
    `GET http://127.0.0.1:${s.web.port}/ HTTP/1.1\r\nCookie: ${'b'.repeat(40_000)}\r\n\r\n`,
  );
  assert.match(longGet, /^HTTP\/1\.1 431 /);
  const garbage = await rawExchange(s.proxy.port, 'HELLO THERE\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400 /);
  const binary = await rawExchange(
    s.proxy.port,
    Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
  );
  assert.match(binary, /^HTTP\/1\.1 400 /, 'a TLS ClientHello sent to the proxy port');
  assert.ok(s.events.some((e) => e.status === 431 && e.outcome === 'bad_request'));
  await assertStillUp();
});

test(
  'a request head that does not complete in time gets 408, a plain one too, also after keep-alive',
  { timeout: 30_000 },
  async () => {
    const events: EgressEvent[] = [];
    const proxy = await startForwardProxy({ port: 0, headTimeoutMs: 200, onEvent: (e) => events.push(e) });
    // A destination that answers only well after the head deadline: an answer being awaited is no head.
    const slow = createHttpServer((_req, res) => void setTimeout(() => res.end('late'), 600));
    const slowPort = await listen(slow);
    try {
      const connectHead = await rawExchange(
        proxy.port,
        `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nX: y\r\n`,
      );
      assert.match(connectHead, /^HTTP\/1\.1 408 /);
      // node:http parses a plain request; its own headersTimeout never runs on a server that does
      // not listen.
      const plainHead = await rawExchange(
        proxy.port,
        `GET http://127.0.0.1:${s.web.port}/ HTTP/1.1\r\nHost: x\r\n`,
      );
      assert.match(plainHead, /^HTTP\/1\.1 408 /);

      // Keep-alive: one request answered in full, then the next head stalls.
      const client = connect({ host: '127.0.0.1', port: proxy.port });
      let got = '';
      client.on('data', (c: Buffer) => (got += c.toString('latin1')));
      const closed = once(client, 'close');
      client.write(`GET http://127.0.0.1:${slowPort}/a HTTP/1.1\r\nHost: x\r\n\r\n`);
      while (!got.includes('late')) {
        if (client.destroyed) assert.fail(`closed before the answer: ${got}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(got, /^HTTP\/1\.1 200 /, 'the slow answer is no stalled head');
      client.write(`GET http://127.0.0.1:${slowPort}/b HTTP/1.1\r\nHost: x\r\n`);
      await closed;
      assert.match(got, /late[\s\S]*HTTP\/1\.1 408 /);
      proxy.flushEvents();
      assert.equal(events.filter((e) => e.rule === 'request head timeout').length, 3);
    } finally {
      await proxy.close();
      await closeServer(slow);
    }
  },
);

test('an unreachable allowed destination gets 502 and an upstream_error event', async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const t = await openConnect(s.proxy.port, `127.0.0.1:${port}`);
  assert.equal(t.status, 502);
  t.socket.destroy();
  const e = s.events.at(-1)!;
  assert.deepEqual([e.decision, e.outcome, e.error], ['allow', 'upstream_error', 'ECONNREFUSED']);
  const plain = await rawExchange(s.proxy.port, `GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(plain, /^HTTP\/1\.1 502 [\s\S]*ECONNREFUSED/);
  await assertStillUp();
});

test('a client that disappears mid-handshake does not hurt the proxy', async () => {
  for (let i = 0; i < 20; i++) {
    const t = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
    t.socket.destroy();
  }
  const half = await rawExchange(s.proxy.port, 'CONNECT 127.0.0.1:', 300);
  assert.equal(half, '', 'an unfinished request head gets no answer until it completes');
  await assertStillUp();
});

test('closing the proxy ends open tunnels and finishes promptly', async () => {
  const closing = await startForwardProxy({ port: 0, onEvent: () => {} });
  const t = await openConnect(closing.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(t.status, 200);
  assert.equal(closing.activeTunnels(), 1);
  const closed = new Promise<void>((resolve) => t.socket.once('close', () => resolve()));
  await closing.close();
  await closed;
  assert.equal(closing.activeTunnels(), 0);
});

test('a proxy that cannot listen stops the timer it started', async () => {
  // The head sweep is unref'd, so it would not keep a process alive, but it would run on for
  // good in one that goes on (a failed start retried, an embedding app): every interval made
  // during the failed start must be cleared.
  const made: NodeJS.Timeout[] = [];
  const cleared = new Set<unknown>();
  const { setInterval: realSet, clearInterval: realClear } = globalThis;
  globalThis.setInterval = ((...args: Parameters<typeof realSet>) => {
    const handle = realSet(...args);
    made.push(handle);
    return handle;
  }) as typeof realSet;
  globalThis.clearInterval = ((handle: Parameters<typeof realClear>[0]) => {
    cleared.add(handle);
    realClear(handle);
  }) as typeof realClear;
  try {
    await assert.rejects(startForwardProxy({ port: s.proxy.port, onEvent: () => {} }), /EADDRINUSE/);
  } finally {
    globalThis.setInterval = realSet;
    globalThis.clearInterval = realClear;
  }
  assert.ok(made.length > 0, 'the proxy starts its head sweep before it listens');
  assert.ok(
    made.every((h) => cleared.has(h)),
    'and clears it when it cannot listen',
  );
});
