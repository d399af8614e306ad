/** The dashboard's SQLite reader thread: the same answers as the store, errors carried over, the main thread free. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { openDashboardReader, type DashboardReader } from '../../src/dashboard/reader.js';
import { seed, sealedEvents, tempDir } from './helpers.js';

let dir: { dir: string; cleanup: () => Promise<void> };
let store: SqliteAuditStore;
let reader: DashboardReader;
const now = Date.parse('2026-03-01T12:00:00Z');

before(async () => {
  dir = await tempDir();
  store = new SqliteAuditStore({ path: join(dir.dir, 'audit.db') });
  await seed(store, sealedEvents(300, now - 3_600_000, now));
  reader = openDashboardReader(store);
});

after(async () => {
  await reader.close();
  await store.close();
  await dir.cleanup();
});

test('query, get and stats answer exactly what the store answers', async () => {
  const filter = { decision: 'block' as const, limit: 50 };
  assert.deepEqual(await reader.query(filter), await store.query(filter));
  const id = (await store.query({ limit: 1 })).events[0]?.id ?? '';
  assert.deepEqual(await reader.get(id), await store.get(id));
  assert.equal(await reader.get('nope'), undefined);
  const range = { since: new Date(now - 3_600_000), until: new Date(now) };
  assert.deepEqual(
    await reader.stats(range, { bucketMs: 60_000 }),
    await store.stats(range, { bucketMs: 60_000 }),
  );
});

test('a store error comes back as a rejected promise with its message', async () => {
  await assert.rejects(reader.query({ cursor: 'not-a-cursor' }), /cursor/);
  await assert.rejects(
    reader.stats({ since: new Date(0), until: new Date(now) }, { bucketMs: 1000 }),
    /buckets/,
  );
});

/** Event-loop turns that run while `work` is pending: 0 when it never yields the thread. */
async function turnsWhile(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work();
  done = true;
  return turns;
}

test('the main thread keeps turning while a query runs in the reader (and not with the store itself)', async () => {
  const range = { since: new Date(now - 3_600_000), until: new Date(now) };
  assert.equal(
    await turnsWhile(() => store.stats(range, { bucketMs: 1000 })),
    0,
    'control: synchronous store',
  );
  assert.ok((await turnsWhile(() => reader.stats(range, { bucketMs: 1000 }))) > 0);
});

test('a closed reader starts a new thread on the next call', async () => {
  await reader.close();
  assert.equal((await reader.query({ limit: 5 })).events.length, 5);
});

test('an in-memory store is read in place', async () => {
  const memory = new SqliteAuditStore({ path: ':memory:' });
  const inPlace = openDashboardReader(memory);
  assert.deepEqual(await inPlace.query({}), { events: [] });
  await inPlace.close();
  await memory.close();
});
