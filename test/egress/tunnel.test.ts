/**
 * The proxy's own CONNECT head parser and the tunnel splice (reused read buffers, flow control):
 * heads in pieces, bytes pipelined after the head, bulk data both ways, a slow reader, a
 * CONNECT after a plain request on one connection, malformed heads.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import {
  closeServer,
  listen,
  openConnect,
  rawExchange,
  readBytes,
  startProxyStand,
  type ProxyStand,
} from './helpers.js';

let s: ProxyStand;
before(async () => (s = await startProxyStand()));
after(() => s.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a CONNECT head sent byte by byte, with tunnel bytes in the same write as its end', async () => {
  const socket = connect({ host: '127.0.0.1', port: s.proxy.port });
  await once(socket, 'connect');
  const head = `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\nUser-Agent: slow/1\r\n\r\n`;
  for (const ch of head.slice(0, -1)) {
    socket.write(ch);
    await new Promise((r) => setImmediate(r));
  }
  socket.write(`${head.slice(-1)}early bytes`);
  const answer = 'HTTP/1.1 200 Connection Established\r\n\r\n';
  const got = await readBytes(socket, answer.length + 'early bytes'.length);
  assert.equal(got.toString(), `${answer}early bytes`);
  socket.destroy();
  const e = s.events.at(-1)!;
  assert.deepEqual([e.outcome, e.client.userAgent], ['tunnel', 'slow/1']);
});

test('bulk data both ways at once arrives intact (reused buffers, growth, flow control)', async () => {
  // A server that sends 24 MiB while reading 24 MiB, and reports what it read.
  const down = randomBytes(24 * 1024 * 1024);
  const up = randomBytes(24 * 1024 * 1024);
  let received: Promise<Buffer> | undefined;
  const server: Server = createServer((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    received = once(s, 'end').then(() => Buffer.concat(chunks));
    s.end(down);
  });
  const port = await listen(server);
  try {
    const t = await openConnect(s.proxy.port, `127.0.0.1:${port}`);
    assert.equal(t.status, 200);
    const reading = readBytes(t.socket, down.length, t.rest);
    t.socket.end(up);
    assert.equal(sha(await reading), sha(down));
    assert.ok(received);
    assert.equal(sha(await received), sha(up));
  } finally {
    await closeServer(server);
  }
});

test('a client that reads slowly gets every byte; the proxy does not buffer without bound', async () => {
  const data = randomBytes(32 * 1024 * 1024);
  const server: Server = createServer((s) => {
    s.on('error', () => s.destroy());
    s.end(data);
  });
  const port = await listen(server);
  try {
    const t = await openConnect(s.proxy.port, `127.0.0.1:${port}`);
    assert.equal(t.status, 200);
    t.socket.pause();
    // While the client reads nothing, the server is held back by TCP: it cannot finish writing.
    await new Promise((r) => setTimeout(r, 300));
    const chunks: Buffer[] = [t.rest];
    let total = t.rest.length;
    t.socket.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      // Read in small steps, pausing now and then.
      if (total % 7 === 0) {
        t.socket.pause();
        setTimeout(() => t.socket.resume(), 1);
      }
    });
    t.socket.resume();
    await once(t.socket, 'end');
    assert.equal(sha(Buffer.concat(chunks)), sha(data));
    t.socket.destroy();
  } finally {
    await closeServer(server);
  }
});

test('a CONNECT after a plain request on the same connection still tunnels', async () => {
  const socket: Socket = connect({ host: '127.0.0.1', port: s.proxy.port });
  await once(socket, 'connect');
  socket.write(`GET http://127.0.0.1:${s.web.port}/first HTTP/1.1\r\nHost: 127.0.0.1:${s.web.port}\r\n\r\n`);
  // The chunked answer ends with its last chunk; nothing else comes before the next request.
  let answered = '';
  const onData = (c: Buffer) => (answered += c.toString('latin1'));
  socket.on('data', onData);
  while (!answered.endsWith('\r\n0\r\n\r\n')) await new Promise((r) => setTimeout(r, 5));
  socket.off('data', onData);
  assert.match(answered, /"url":"\/first"/);
  socket.write(`CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\nping`);
  const answer = 'HTTP/1.1 200 Connection Established\r\n\r\n';
  assert.equal((await readBytes(socket, answer.length + 4)).toString(), `${answer}ping`);
  socket.destroy();
});

test('a head that is neither CONNECT nor HTTP, split before the method is known, goes to node:http', async () => {
  const socket = connect({ host: '127.0.0.1', port: s.proxy.port });
  await once(socket, 'connect');
  socket.write('CO');
  await new Promise((r) => setTimeout(r, 20));
  socket.write('FFEE / HTTP/1.1\r\n\r\n');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 400 /);
});

test('malformed CONNECT heads get 400 with an event, and the proxy stays up', async () => {
  for (const head of [
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1 extra\r\n\r\n`,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/2.0\r\n\r\n`,
    `CONNECT  127.0.0.1:${s.echo.port} HTTP/1.1\r\n\r\n`,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nNo-Colon\r\n\r\n`,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nBad Name: x\r\n\r\n`,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n`,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nX: a\u0001b\r\n\r\n`,
  ]) {
    const before = s.events.length;
    const answer = await rawExchange(s.proxy.port, head);
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(head));
    const e = s.events.at(-1)!;
    assert.equal(s.events.length, before + 1);
    assert.deepEqual([e.outcome, e.status, e.decision], ['bad_request', 400, 'deny']);
  }
  const t = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(t.status, 200);
  t.socket.destroy();
});

test('Via on a CONNECT is read by the fast path: our own token is a loop', async () => {
  const answer = await rawExchange(
    s.proxy.port,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nVia: 1.1 a\r\nvia: 1.1 ${s.proxy.via}\r\n\r\n`,
  );
  assert.match(answer, /^HTTP\/1\.1 508 /);
});

test('a client that sends its CONNECT, some bytes and its FIN at once still gets the answer', async () => {
  const answer = await rawExchange(
    s.proxy.port,
    `CONNECT 127.0.0.1:${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\nhalf-closed`,
    5000,
    true,
  );
  assert.equal(answer, 'HTTP/1.1 200 Connection Established\r\n\r\nhalf-closed');
});

test('a client that ends before its head is complete is closed without an answer', async () => {
  const answer = await rawExchange(s.proxy.port, 'CONNECT 127.0.0.1:', 5000, true);
  assert.equal(answer, '');
});

test('a host name is dialled by node:net and tunnelled on its handle; an IPv6 literal is dialled on a handle', async () => {
  const t = await openConnect(s.proxy.port, `localhost:${s.echo.port}`);
  assert.equal(t.status, 200);
  const payload = randomBytes(200_000);
  t.socket.write(payload);
  assert.equal(sha(await readBytes(t.socket, payload.length, t.rest)), sha(payload));
  t.socket.destroy();
  const named = s.events.at(-1)!;
  assert.deepEqual(
    [named.host, named.outcome, named.route, named.tunnel],
    ['localhost', 'tunnel', 'direct', 'buffers'],
  );

  // Nothing listens on [::1] at the echo's port (it listens on 127.0.0.1): refused, answered 502.
  const v6 = await rawExchange(s.proxy.port, `CONNECT [::1]:${s.echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(v6, /^HTTP\/1\.1 502 /);
  const e = s.events.at(-1)!;
  assert.deepEqual([e.host, e.outcome, e.status], ['::1', 'upstream_error', 502]);
  assert.match(e.error ?? '', /^E[A-Z]+$/);
});

test('a read that fills the tunnel buffer exactly, then finds nothing more, keeps the tunnel open', async () => {
  // libuv reads again after a read that filled its buffer; finding nothing, it reports a read
  // of 0 bytes, which is not an end. 64 KiB is the size of a tunnel's first read buffer.
  const t = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(t.status, 200);
  let got = t.rest;
  for (let i = 0; i < 4; i++) {
    const block = randomBytes(64 * 1024);
    t.socket.write(block);
    got = await readBytes(t.socket, block.length, got);
    assert.equal(sha(got.subarray(0, block.length)), sha(block), `block ${i} came back`);
    got = got.subarray(block.length);
    await new Promise((r) => setTimeout(r, 20));
  }
  t.socket.destroy();
});
