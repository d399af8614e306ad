/**
 * The dashboard of a gateway whose PostgreSQL audit store went away: its API answers 503 with
 * the store's reason, which the page shows, instead of a bare 500 "internal error", and the
 * gateway's log says so (once a minute, not once a request).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { CuttablePg, PG_URL, uniqueSchema } from '../audit/helpers.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

describe('the dashboard API while the audit store is down', { timeout: 60_000 }, () => {
  const schema = uniqueSchema();
  const pg = new CuttablePg();
  let admin: PostgresAuditStore;
  let stack: AirlockStack;
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  before(async () => {
    admin = new PostgresAuditStore({ url: PG_URL, schema });
    await admin.init();
    await pg.start();
    stack = await startAirlockStack(
      { script: { reply: [{ text: 'ok' }] } },
      {
        config: { audit: { store: `postgres://postgres@127.0.0.1:${pg.port}/test?schema=${schema}` } },
        logger,
      },
    );
  });
  after(async () => {
    await stack.close();
    await pg.stop();
    await admin.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.close();
  });

  const get = async (path: string) => {
    const token = stack.airlock.dashboard!.token.value;
    const res = await fetch(`${stack.airlock.gateway.url}/_airlock/api/${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  };

  it('answers 503 naming the reason, and 200 again once the store is back', async () => {
    assert.equal((await get('events')).status, 200);
    await pg.stop();
    const down = await get('events');
    assert.equal(down.status, 503);
    assert.match(
      down.body.error ?? '',
      /^the audit store did not answer \(.*ECONNREFUSED 127\.0\.0\.1:\d+\)/,
    );
    assert.equal((await get('overview')).status, 503);
    const logged = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: string; store?: string })
      .filter((l) => l.msg === 'the dashboard could not read the audit store');
    assert.equal(logged.length, 1, 'one line for the same reason, not one per request');
    assert.equal(logged[0]?.level, 40);
    assert.match(logged[0]?.err ?? '', /ECONNREFUSED/);
    assert.equal(logged[0]?.store, `postgres://postgres@127.0.0.1:${pg.port}/test?schema=${schema}`);
    await pg.start();
    assert.equal((await get('events')).status, 200);
  });
});
