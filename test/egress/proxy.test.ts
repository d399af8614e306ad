import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fetch, ProxyAgent } from 'undici';
import { startForwardProxy } from '../../src/egress/proxy.js';
import type { EgressEvent } from '../../src/egress/events.js';
import { egressAuditInput } from '../../src/egress/events.js';
import { openConnect, rawExchange, readBytes, startProxyStand, type ProxyStand } from './helpers.js';
import { httpAnswer } from '../helpers/http.js';

let s: ProxyStand;
before(async () => (s = await startProxyStand()));
after(() => s.close());

function lastEvent(): EgressEvent {
  const e = s.events.at(-1);
  assert.ok(e, 'an event was reported');
  return e;
}

test('an allowed CONNECT tunnels bytes both ways, unparsed', async () => {
  const { status, socket, rest } = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`, {
    'User-Agent': 'test-agent/1.0',
  });
  assert.equal(status, 200);
  // Bytes that look like HTTP, and bytes that are not text at all, come back as sent.
  const payload = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), randomBytes(256 * 1024)]);
  socket.write(payload);
  const back = await readBytes(socket, payload.length, rest);
  assert.ok(back.equals(payload));
  const e = lastEvent();
  assert.equal(e.method, 'CONNECT');
  assert.equal(e.host, '127.0.0.1');
  assert.equal(e.port, s.echo.port);
  assert.equal(e.decision, 'allow');
  assert.equal(e.outcome, 'tunnel');
  assert.equal(e.route, 'direct');
  assert.equal(e.client.userAgent, 'test-agent/1.0');
  assert.equal(s.proxy.activeTunnels(), 1);
  socket.destroy();
});

test('a tunnel that closed before its event was made still has the client address in it', async () => {
  const t = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(t.status, 200);
  t.socket.end('bye');
  assert.equal((await readBytes(t.socket, 3, t.rest)).toString(), 'bye');
  await once(t.socket, 'close');
  // Events wait (batched) for the listener; the tunnel is gone before this one is made.
  while (s.proxy.activeTunnels() > 0) await new Promise((r) => setTimeout(r, 5));
  const e = lastEvent();
  assert.equal(e.outcome, 'tunnel');
  assert.equal(e.client.address, '127.0.0.1');
});

test('a refused CONNECT gets 403 with the rule, and no connection is attempted', async () => {
  const { status, head, socket, rest } = await openConnect(s.proxy.port, 'api.anthropic.com:443');
  assert.equal(status, 403);
  const body = (await readBytes(socket, 1, rest)).toString();
  assert.match(body, /Airlock refused api\.anthropic\.com:443: built-in @model-apis/);
  assert.match(head, /Connection: close/);
  socket.destroy();
  const e = lastEvent();
  assert.deepEqual([e.decision, e.outcome, e.status, e.host], ['deny', 'refused', 403, 'api.anthropic.com']);
  assert.match(e.rule, /@model-apis/);
  assert.equal(e.route, undefined, 'refused before any route was chosen');
});

test('absolute-URI requests are forwarded without hop-by-hop headers or proxy credentials', async () => {
  const res = await httpAnswer(
    {
      host: '127.0.0.1',
      port: s.proxy.port,
      method: 'POST',
      path: `http://127.0.0.1:${s.web.port}/v1/thing?x=1`,
      headers: {
        'proxy-authorization': 'Basic dXNlcjpzM2NyZXQ=',
        connection: 'keep-alive, x-hop',
        'x-hop': 'drop me',
        te: 'trailers',
        'x-end': 'keep me',
        'user-agent': 'curl/8',
      },
    },
    {},
    (req) => req.end('hello'),
  );
  assert.equal(res.status, 200);
  const seen = JSON.parse(res.body) as {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string;
  };
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/v1/thing?x=1', 'origin-form toward the destination');
  assert.equal(seen.body, 'hello');
  assert.equal(seen.headers['x-end'], 'keep me');
  for (const hop of ['proxy-authorization', 'x-hop', 'te']) assert.equal(seen.headers[hop], undefined, hop);
  assert.equal(seen.headers.host, `127.0.0.1:${s.web.port}`);
  assert.equal(seen.headers.via, `1.1 ${s.proxy.via}`);
  // Node adds the proxy's own Keep-Alive for the client connection; the destination's must not pass.
  assert.notEqual(res.headers['keep-alive'], 'timeout=77', 'hop-by-hop removed from the answer too');
  assert.equal(res.headers['proxy-authenticate'], undefined);
  assert.equal(res.headers['x-from'], 'echo');
  const e = lastEvent();
  assert.deepEqual([e.method, e.outcome, e.status, e.decision], ['POST', 'forwarded', 200, 'allow']);
  assert.doesNotMatch(JSON.stringify(s.events), /dXNlcjpzM2NyZXQ|s3cret/);
});

test('a refused plain request gets a 403 body naming the rule', async () => {
  const answer = await rawExchange(
    s.proxy.port,
    'GET http://play.googleapis.com/log?format=json HTTP/1.1\r\nHost: play.googleapis.com\r\n\r\n',
  );
  assert.match(answer, /^HTTP\/1\.1 403 Forbidden/);
  assert.match(
    answer,
    /Airlock refused play\.googleapis\.com:80: built-in @telemetry \(play\.googleapis\.com\)/,
  );
  assert.equal(lastEvent().outcome, 'refused');
});

test('a real client (undici ProxyAgent) reaches a loopback server through the proxy', async () => {
  const agent = new ProxyAgent(s.proxy.url);
  try {
    const res = await fetch(`http://127.0.0.1:${s.web.port}/through`, { dispatcher: agent });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { url: string };
    assert.equal(seen.url, '/through');
  } finally {
    await agent.close();
  }
});

test('strict profile: only the allow list passes', async () => {
  const strictEvents: EgressEvent[] = [];
  const strict = await startForwardProxy({
    port: 0,
    policy: { profile: 'strict', allow: [`127.0.0.1:${s.echo.port}`] },
    onEvent: (e) => strictEvents.push(e),
  });
  try {
    const ok = await openConnect(strict.port, `127.0.0.1:${s.echo.port}`);
    assert.equal(ok.status, 200);
    ok.socket.destroy();
    const refused = await openConnect(strict.port, `127.0.0.1:${s.web.port}`);
    assert.equal(refused.status, 403);
    refused.socket.destroy();
    const plain = await rawExchange(
      strict.port,
      `GET http://127.0.0.1:${s.web.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    assert.match(plain, /403 Forbidden[\s\S]*profile strict: not on egress\.allow/);
    strict.flushEvents();
    assert.deepEqual(
      strictEvents.map((e) => e.decision),
      ['allow', 'deny', 'deny'],
    );
  } finally {
    await strict.close();
  }
});

test('the TLS-interception seam receives the client socket of an allowed tunnel', async () => {
  const asked: string[] = [];
  const seam = await startForwardProxy({
    port: 0,
    onEvent: () => {},
    interceptTunnel: (host, port) => {
      asked.push(`${host}:${port}`);
      return host === 'intercept.test'
        ? (client, head) => {
            client.end(`intercepted ${head.length}`);
          }
        : undefined;
    },
  });
  try {
    const t = await openConnect(seam.port, 'intercept.test:443');
    assert.equal(t.status, 200);
    assert.equal((await readBytes(t.socket, 13, t.rest)).toString(), 'intercepted 0');
    const passthrough = await openConnect(seam.port, `127.0.0.1:${s.echo.port}`);
    assert.equal(passthrough.status, 200);
    passthrough.socket.destroy();
    // Refused destinations never reach the seam.
    (await openConnect(seam.port, 'api.openai.com:443')).socket.destroy();
    assert.deepEqual(asked, ['intercept.test:443', `127.0.0.1:${s.echo.port}`]);
  } finally {
    await seam.close();
  }
});

test('egress events map to audit records', () => {
  const e = s.events.find((x) => x.outcome === 'refused');
  assert.ok(e);
  const input = egressAuditInput(e);
  assert.equal(input.kind, 'egress');
  assert.equal(input.decision, 'deny');
  assert.deepEqual(input.egress, { host: e.host, port: e.port, rule: e.rule });
});

test('a half-close passes through the tunnel: the answer still arrives after the client sent FIN', async () => {
  const { status, socket, rest } = await openConnect(s.proxy.port, `127.0.0.1:${s.echo.port}`);
  assert.equal(status, 200);
  const payload = randomBytes(512 * 1024);
  const received: Buffer[] = rest.length > 0 ? [rest] : [];
  socket.on('data', (c: Buffer) => received.push(c));
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  // end() sends our FIN after the payload; the echo server sees it only after the proxy passed it
  // on, finishes echoing, closes its side, and that end reaches us through the proxy.
  socket.end(payload);
  await ended;
  assert.ok(Buffer.concat(received).equals(payload), 'every byte echoed after our FIN');
});

test('a CONNECT pipelined behind a plain request is answered after it', { timeout: 30_000 }, async () => {
  for (const [target, status] of [
    [`127.0.0.1:${s.echo.port}`, '200 Connection Established'],
    ['o1.ingest.sentry.io:443', '403 Forbidden'],
  ] as const) {
    const client = connect({ host: '127.0.0.1', port: s.proxy.port });
    let got = '';
    client.on('data', (c: Buffer) => (got += c.toString('latin1')));
    client.on('error', () => {});
    client.write(
      `GET http://127.0.0.1:${s.web.port}/first HTTP/1.1\r\nHost: x\r\n\r\n` +
        `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`,
    );
    while (!got.includes(status)) {
      if (client.destroyed) assert.fail(`closed before the CONNECT's answer: ${got}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const lines = got.split('\r\n').filter((l) => /^HTTP\/1\.1 \d{3}/.test(l));
    assert.deepEqual(lines, ['HTTP/1.1 200 OK', `HTTP/1.1 ${status}`], target);
    assert.ok(got.indexOf('"url":"/first"') < got.indexOf(`HTTP/1.1 ${status}`), 'the GET body first');
    if (status.startsWith('200')) {
      // The tunnel works after it.
      const from = got.length;
      client.write('after');
      while (got.length < from + 5) await new Promise((r) => setTimeout(r, 10));
      assert.equal(got.slice(from), 'after');
    }
    client.destroy();
  }
});
