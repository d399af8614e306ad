/**
 * The dashboard of a gateway whose PostgreSQL audit store went away: its API answers 503 with
 * the store's reason, which the page shows, instead of a bare 500 "internal error".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { CuttablePg, PG_URL, uniqueSchema } from '../audit/helpers.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

describe('the dashboard API while the audit store is down', { timeout: 60_000 }, () => {
  const schema = uniqueSchema();
  const pg = new CuttablePg();
  let admin: PostgresAuditStore;
  let stack: AirlockStack;
  before(async () => {
    admin = new PostgresAuditStore({ url: PG_URL, schema });
    await admin.init();
    await pg.start();
    stack = await startAirlockStack(
      { script: { reply: [{ text: 'ok' }] } },
      { config: { audit: { store: `postgres://postgres@127.0.0.1:${pg.port}/test?schema=${schema}` } } },
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
    await pg.start();
    assert.equal((await get('events')).status, 200);
  });
});
