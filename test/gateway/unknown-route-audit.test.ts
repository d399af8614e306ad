/**
 * A request to no route (most often a client whose base URL lacks `/anthropic`, `/openai/v1` or
 * `/gemini`) is answered 404 and recorded in the audit log, so the dashboard shows which client
 * is misconfigured; a flood of them is bounded per minute on its own, and does not crowd out
 * the web guard's refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { REFUSALS_PER_MINUTE } from '../../src/audit/refusals.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { httpAnswer } from '../helpers/http.js';

describe('requests to no route', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { logger });
  });
  after(() => stack.close());

  const ask = (method: string, path: string, headers: Record<string, string> = {}) => {
    const { host, port } = stack.airlock.gateway;
    return httpAnswer({ host, port, path, method, headers }, {}, (req) =>
      req.end(method === 'POST' ? '{"model":"m"}' : undefined),
    );
  };
  const events = async () => {
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request', limit: 1000 });
    return events;
  };

  it('are answered 404 and recorded as the client error they are, with the client and path', async () => {
    const key = 'sk-ant-api03-' + 'Q'.repeat(93) + 'AA';
    const r = await ask('POST', `/v1/messages?beta=true&key=${key}`, {
      'user-agent': 'claude-cli/2.1.332 (external, cli)',
      'x-api-key': key,
    });
    assert.equal(r.status, 404);
    assert.equal(r.headers['x-airlock-error'], 'AIRLOCK_UNKNOWN_ROUTE');
    assert.equal(stack.sim.received.length, 0, 'nothing forwarded');
    const recorded = await events();
    assert.equal(recorded.length, 1);
    const [event] = recorded;
    assert.deepEqual(
      [event?.decision, event?.error, event?.status, event?.method, event?.path, event?.provider],
      ['error', 'AIRLOCK_UNKNOWN_ROUTE', 404, 'POST', '/v1/messages?beta=true', undefined],
    );
    assert.equal(event?.bytes_in, 0);
    assert.ok(!JSON.stringify(event).includes(key), 'no key, from the query string or a header');
  });

  it('are recorded at most a bound a minute, counted all, and leave room for web-page refusals', async () => {
    const before = (await events()).length;
    const flood = REFUSALS_PER_MINUTE + 10;
    for (let i = 0; i < flood; i++) assert.equal((await ask('GET', `/scan/${i}`)).status, 404);
    const { port } = stack.airlock.gateway;
    const forged = await ask('GET', '/healthz', { host: `evil.example:${port}` });
    assert.equal(forged.status, 403);
    const recorded = await events();
    const unknown = recorded.filter((e) => e.error === 'AIRLOCK_UNKNOWN_ROUTE');
    // The first test's one and this minute's: the bound may have restarted between them.
    assert.ok(unknown.length - 1 <= REFUSALS_PER_MINUTE + 1, `${unknown.length} recorded`);
    assert.ok(unknown.length >= REFUSALS_PER_MINUTE, `${unknown.length} recorded`);
    assert.equal(recorded.length - before, unknown.length - 1 + 1, 'and the forged one');
    assert.ok(
      recorded.some((e) => e.error === 'AIRLOCK_FOREIGN_HOST'),
      'the web-page refusal is recorded',
    );
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(
      messages.some((m) => /^more than 60 requests to no route refused within a minute/.test(m)),
      'the log says the rest go unrecorded',
    );
    const metrics = (await ask('GET', '/metrics')).body;
    assert.match(
      metrics,
      new RegExp(`^airlock_refused_requests_total\\{reason="unknown_route"\\} ${flood + 1}$`, 'm'),
    );
  });
});
