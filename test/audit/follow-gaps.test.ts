/**
 * `audit tail --follow` on PostgreSQL shared by two gateways: a row that commits after a
 * higher-numbered row was read is still shown (it used to be passed over for good); a hole that
 * never fills (a rolled-back append) is given up after a while.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  advanceChangesCursor,
  formatChangesCursor,
  GAP_WAIT_MS,
  MAX_GAPS,
  parseChangesCursor,
} from '../../src/audit/changes-cursor.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { EVENT_COLUMNS, storeRow } from '../../src/audit/sql-reader.js';
import type { SealedEvent } from '../../src/audit/types.js';
import { PG_URL, sealedChain, uniqueSchema } from './helpers.js';

describe('following the audit log across late commits', { timeout: 60_000 }, () => {
  const schema = uniqueSchema();
  let store: PostgresAuditStore;
  const clients: pg.Client[] = [];
  before(async () => {
    store = new PostgresAuditStore({ url: PG_URL, schema });
    await store.init();
    for (let i = 0; i < 2; i++) {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      clients.push(client);
    }
  });
  after(async () => {
    for (const client of clients) await client.end();
    await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
  });

  const insert = (client: pg.Client, sealed: SealedEvent) =>
    client.query(
      `INSERT INTO ${store.tableNames().events} (${EVENT_COLUMNS}) VALUES (${Array.from({ length: 14 }, (_, i) => `$${i + 1}`).join(', ')})`,
      [...storeRow(sealed).columns, sealed.doc],
    );

  it('shows a row committed after a higher-numbered one was read', async () => {
    const [late, early] = clients as [pg.Client, pg.Client];
    const [first, second, third] = sealedChain('late-commit', 3) as [SealedEvent, SealedEvent, SealedEvent];
    await store.append([first]);
    let { cursor } = await store.changes(undefined, 10);
    await late.query('BEGIN');
    await insert(late, second); // numbered first, committed last
    await insert(early, third);
    const before = await store.changes(cursor, 10);
    assert.deepEqual(
      before.events.map((e) => e.seq),
      [3],
    );
    cursor = before.cursor;
    await late.query('COMMIT');
    const after = await store.changes(cursor, 10);
    assert.deepEqual(
      after.events.map((e) => e.seq),
      [2],
    );
    const nothing = await store.changes(after.cursor, 10);
    assert.deepEqual(nothing.events, []);
    assert.match(nothing.cursor, /^\d+$/, 'nothing awaited any more');
  });

  it('splits, ages out and bounds the holes it waits for', () => {
    const now = 1_000_000;
    let cursor = advanceChangesCursor({ after: 10, gaps: [] }, [11, 14, 15, 20], now);
    assert.equal(formatChangesCursor(cursor), `20;12-13@${now};16-19@${now}`);
    assert.deepEqual(parseChangesCursor(formatChangesCursor(cursor)), cursor);
    cursor = advanceChangesCursor(cursor, [13, 17, 21], now + 1000);
    assert.equal(formatChangesCursor(cursor), `21;12-12@${now};16-16@${now};18-19@${now}`);
    assert.equal(formatChangesCursor(advanceChangesCursor(cursor, [], now + GAP_WAIT_MS)), '21');
    const many = advanceChangesCursor(
      { after: 0, gaps: [] },
      Array.from({ length: 2 * MAX_GAPS + 1 }, (_, i) => 2 * i + 1),
      now,
    );
    assert.equal(many.gaps.length, MAX_GAPS);
    assert.equal(many.gaps.at(-1)!.from, 4 * MAX_GAPS, 'the newest holes are kept');
    for (const bad of ['x', '-1', '5;3-2@0', '5;3-4', '5;'])
      assert.throws(() => parseChangesCursor(bad), /invalid audit changes cursor/);
  });
});
