/**
 * A PostgreSQL audit store whose server holds a read (here: a lock another session keeps on the
 * events table) fails the read after readTimeoutMs with a message naming the store, and reads
 * again once the server answers: the dashboard and `audit tail` do not wait forever.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { PG_URL, uniqueSchema } from './helpers.js';

const schema = uniqueSchema();
let store: PostgresAuditStore;
let locker: pg.Client;

before(async () => {
  store = new PostgresAuditStore({ url: PG_URL, schema, readTimeoutMs: 300 });
  await store.init();
  locker = new pg.Client({ connectionString: PG_URL });
  await locker.connect();
});

after(async () => {
  await locker.end();
  await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await store.close();
});

test(
  'a read the server holds fails after readTimeoutMs, naming the store; the next one works',
  { timeout: 20_000 },
  async () => {
    const { events, findings, rollup } = store.tableNames();
    assert.deepEqual((await store.query({ limit: 10 })).events, []);
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${events}, ${findings}, ${rollup} IN ACCESS EXCLUSIVE MODE`);
    try {
      await assert.rejects(store.query({ limit: 10 }), (err: Error) => {
        assert.match(
          err.message,
          /PostgreSQL audit store at postgres:\/\/.*127\.0\.0\.1:5432\/test did not answer a read within 300 ms/,
        );
        return true;
      });
      const now = Date.now();
      await assert.rejects(
        store.stats({ since: new Date(now - 3_600_000), until: new Date(now) }, { bucketMs: 60_000, top: 5 }),
        /did not answer a read within 300 ms/,
      );
    } finally {
      await locker.query('ROLLBACK');
    }
    // The connections the timed-out reads held were dropped, not left waiting: reads work again.
    assert.deepEqual((await store.query({ limit: 10 })).events, []);
  },
);
