/**
 * PostgreSQL streams verification rows as one binary COPY on a connection of its own: a reader
 * that stops half way must not hand a connection still in the middle of a COPY back to the pool.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { PG_URL, sealedChain, uniqueSchema } from './helpers.js';

describe('PostgreSQL chain rows', () => {
  const schema = uniqueSchema();
  // One connection: the stopped stream's, if it went back, would be the next query's.
  const store = new PostgresAuditStore({ url: PG_URL, schema, poolSize: 1 });
  const events = 4000;

  before(async () => {
    const chain = sealedChain('inst-big', events);
    for (let i = 0; i < chain.length; i += 500) await store.append(chain.slice(i, i + 500));
  });
  after(async () => {
    await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
  });

  it('leaves the store usable after a reader stops half way through', { timeout: 30_000 }, async () => {
    for (let i = 0; i < 3; i++) {
      for await (const batch of store.chainRows(10)) {
        assert.equal(batch.length, 10);
        break;
      }
      assert.equal((await store.query({ limit: 5 })).events.length, 5);
      const report = await store.verify();
      assert.equal(report.ok, true);
      assert.equal(report.events, events);
    }
  });
});
