/**
 * Web pages are kept out of a gateway on a loopback address: a Host that is no loopback name
 * (DNS rebinding) and a cross-site request that changes something are refused before anything
 * is routed or forwarded, and each refusal is an audit event (blocked, with its error code);
 * API clients, which send neither, pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { WEB_PAGE_LOG_LINES_PER_MINUTE } from '../../src/gateway/server.js';
import { hostGuard } from '../../src/gateway/web-guard.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { httpAnswer } from '../helpers/http.js';

const BODY = JSON.stringify({
  model: 'm',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'forged from a page' }],
});

describe('a gateway on a loopback address, asked by a web page', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
  });
  after(() => stack.close());

  const ask = (method: string, path: string, headers: Record<string, string>, body?: string) => {
    const { host, port } = stack.airlock.gateway;
    return httpAnswer({ host, port, path, method, headers }, {}, (req) => req.end(body));
  };
  const port = () => stack.airlock.gateway.port;

  it("refuses a foreign Host on every route (DNS rebinding), in the route's own shape", async () => {
    stack.sim.reset();
    for (const path of ['/metrics', '/healthz', '/_airlock/login']) {
      const r = await ask('GET', path, { host: `evil.example:${port()}` });
      assert.equal(r.status, 403, path);
      assert.equal(r.headers['x-airlock-error'], 'AIRLOCK_FOREIGN_HOST', path);
    }
    const post = await ask(
      'POST',
      '/anthropic/v1/messages',
      {
        host: `evil.example:${port()}`,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      BODY,
    );
    assert.equal(post.status, 403);
    const error = JSON.parse(post.body) as { type: string; error: { type: string; message: string } };
    assert.equal(error.error.type, 'permission_error');
    assert.match(error.error.message, /Host "evil\.example:\d+".*DNS rebinding/);
    assert.equal(stack.sim.received.length, 0, 'nothing forwarded');
  });

  /** The audit events recorded since `since` (an event id), oldest first. */
  const eventsSince = async (since: string | undefined) => {
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request', limit: 100 });
    return events.filter((e) => since === undefined || e.id > since).sort((a, b) => (a.id < b.id ? -1 : 1));
  };
  const lastEventId = async () => (await eventsSince(undefined)).at(-1)?.id;

  it('refuses a cross-site form POST to a provider route, forwarding nothing, recording the refusal', async () => {
    stack.sim.reset();
    const since = await lastEventId();
    for (const site of ['cross-site', 'same-site']) {
      const r = await ask(
        'POST',
        '/anthropic/v1/messages',
        { 'content-type': 'text/plain', 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' },
        BODY,
      );
      assert.equal(r.status, 403, site);
      assert.equal(r.headers['x-airlock-error'], 'AIRLOCK_FROM_WEB_PAGE');
    }
    const logout = await ask('POST', '/_airlock/logout', { 'sec-fetch-site': 'cross-site' });
    assert.equal(logout.status, 403);
    assert.equal(stack.sim.received.length, 0);
    const events = await eventsSince(since);
    assert.deepEqual(
      events.map((e) => [e.decision, e.error, e.status, e.method, e.path, e.provider]),
      [
        ['block', 'AIRLOCK_FROM_WEB_PAGE', 403, 'POST', '/v1/messages', 'anthropic'],
        ['block', 'AIRLOCK_FROM_WEB_PAGE', 403, 'POST', '/v1/messages', 'anthropic'],
        ['block', 'AIRLOCK_FROM_WEB_PAGE', 403, 'POST', '/_airlock/logout', undefined],
      ],
    );
    assert.deepEqual(
      events.map((e) => [e.findings.length, e.bytes_in, e.bytes_out]),
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
    );
  });

  it('records a refused foreign Host without the Host, nor a secret of the query string', async () => {
    const since = await lastEventId();
    const key = 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW';
    const r = await ask(
      'POST',
      `/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key}&alt=sse`,
      { host: `rebound-7f3a.evil.example:${port()}`, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' },
      BODY,
    );
    assert.equal(r.status, 403);
    const events = await eventsSince(since);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.decision, 'block');
    assert.equal(event?.error, 'AIRLOCK_FOREIGN_HOST');
    assert.equal(event?.provider, 'gemini');
    assert.equal(event?.path, '/v1beta/models/gemini-2.5-flash:generateContent?alt=sse');
    const text = JSON.stringify(event);
    assert.ok(!text.includes(key), 'the key in the query string');
    assert.ok(!text.includes('rebound-7f3a'), 'the Host');
    assert.ok(!text.includes('Mozilla'), 'the raw User-Agent');
  });

  it('counts what it refused on /metrics, by reason', async () => {
    const count = async (reason: string) => {
      const text = (await ask('GET', '/metrics', {})).body;
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`airlock_refused_requests_total{reason="${reason}"} `));
      return Number(line?.split(' ')[1]);
    };
    const [hosts, sites] = [await count('foreign_host'), await count('cross_site')];
    assert.equal((await ask('GET', '/healthz', { host: `evil.example:${port()}` })).status, 403);
    assert.equal((await ask('POST', '/_airlock/logout', { 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.deepEqual([await count('foreign_host'), await count('cross_site')], [hosts + 1, sites + 1]);
  });

  it('serves API clients, loopback names and reads from anywhere as before', async () => {
    stack.sim.reset();
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`, 'localhost']) {
      const r = await ask('GET', '/healthz', { host });
      assert.equal(r.status, 200, host);
    }
    // Node's fetch sends sec-fetch-mode: cors but no Sec-Fetch-Site.
    const api = await ask(
      'POST',
      '/anthropic/v1/messages',
      { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'sec-fetch-mode': 'cors' },
      BODY,
    );
    assert.equal(api.status, 200, api.body);
    const link = await ask('GET', '/_airlock/login', { 'sec-fetch-site': 'cross-site' });
    assert.notEqual(link.status, 403, 'a link from another site to the dashboard opens it');
  });

  it('takes any Host on a gateway exposed on purpose (not on a loopback address)', () => {
    assert.equal(hostGuard('0.0.0.0')({ host: 'gw.corp.example:8789' }), undefined);
    assert.equal(hostGuard('10.1.2.3')({ host: 'evil.example' }), undefined);
    const loopback = hostGuard('127.0.0.1');
    assert.equal(loopback({ host: 'evil.example' }), 'evil.example');
    assert.equal(loopback({ host: 'evil.example' }), 'evil.example', 'remembered alike');
    assert.equal(loopback({}), undefined, 'HTTP/1.0 without Host');
  });
});

describe('a web page that repeats a refused request in a loop', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { logger });
  });
  after(() => stack.close());

  it('fills the log with at most a bound of lines a minute, and is still counted', async () => {
    const { host, port } = stack.airlock.gateway;
    const refusals = WEB_PAGE_LOG_LINES_PER_MINUTE + 5;
    for (let i = 0; i < refusals; i++) {
      const r = await httpAnswer(
        { host, port, path: '/healthz', method: 'GET', headers: { host: `evil.example:${port}` } },
        {},
        (req) => req.end(),
      );
      assert.equal(r.status, 403);
    }
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.equal(
      messages.filter((m) => m === 'request from a web page refused').length,
      WEB_PAGE_LOG_LINES_PER_MINUTE,
    );
    assert.equal(messages.filter((m) => m.startsWith('more than ')).length, 1);
    const metrics = (
      await httpAnswer({ host, port, path: '/metrics', method: 'GET' }, {}, (req) => req.end())
    ).body;
    assert.match(
      metrics,
      new RegExp(`^airlock_refused_requests_total\\{reason="foreign_host"\\} ${refusals}$`, 'm'),
    );
  });
});
