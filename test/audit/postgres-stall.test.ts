/**
 * A PostgreSQL audit store whose server holds its statements (here: a lock another session keeps
 * on the tables) fails each kind after its bound with a message naming the store, drops the
 * connection, and works again once the server answers: the dashboard, `audit tail`, `verify`,
 * the recorder's appends and retention do not wait forever, nor keep the pool's connections.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { auditConfigSchema } from '../../src/audit/config.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { openAudit } from '../../src/audit/setup.js';
import { PG_URL, sealedChain, tempDir, uniqueSchema } from './helpers.js';

const schema = uniqueSchema();
let store: PostgresAuditStore;
let locker: pg.Client;

before(async () => {
  store = new PostgresAuditStore({
    url: PG_URL,
    schema,
    readTimeoutMs: 300,
    writeTimeoutMs: 300,
    maintenanceTimeoutMs: 300,
    // Fewer connections than the tests below time out: a connection kept by a timed-out
    // statement would leave the next ones none.
    poolSize: 2,
  });
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
          /PostgreSQL audit store at postgres:\/\/.*127\.0\.0\.1:5432\/test\?schema=\w+ did not answer a read within 300 ms/,
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

/** Runs `fn` while another session holds the events, findings and rollup tables in ACCESS EXCLUSIVE mode. */
async function whileLocked(fn: () => Promise<void>): Promise<void> {
  const { events, findings, rollup } = store.tableNames();
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE ${events}, ${findings}, ${rollup} IN ACCESS EXCLUSIVE MODE`);
  try {
    await fn();
  } finally {
    await locker.query('ROLLBACK');
  }
}

test(
  'verify and export streams, appends and retention the server holds fail after their bounds; all work after',
  {
    timeout: 30_000,
  },
  async () => {
    const chain = sealedChain('stall', 6);
    await store.append(chain.slice(0, 3));
    await whileLocked(async () => {
      await assert.rejects(
        store.verify(),
        /audit store at postgres:\/\/.*sent nothing for 300 ms while streaming rows/,
      );
      await assert.rejects(
        (async () => {
          for await (const docs of store.storedDocs({})) void docs;
        })(),
        /sent nothing for 300 ms/,
      );
      await assert.rejects(store.append(chain.slice(3)), /did not answer a write within 300 ms/);
      await assert.rejects(
        store.prune(new Date('2030-01-01')),
        /did not answer a retention statement within 300 ms/,
      );
      // Each failure dropped its connection: with a pool of two, three more would otherwise wait.
      await assert.rejects(store.query({ limit: 1 }), /did not answer a read within 300 ms/);
    });
    // Nothing of the failed append was kept (its transaction ended with its connection), and it
    // goes in whole when tried again, as the recorder does.
    assert.equal((await store.verify()).ok, true);
    await store.append(chain.slice(3));
    const report = await store.verify();
    assert.equal(report.ok, true);
    assert.equal(report.events, 6);
    assert.equal(await store.prune(new Date('2030-01-01')), 6);
  },
);

test('a retention run the store holds is not joined by the next ones', { timeout: 30_000 }, async () => {
  const tmp = await tempDir();
  const errors: string[] = [];
  const audit = await openAudit(
    auditConfigSchema.parse({ store: `${PG_URL}?schema=${schema}`, retain: '1d' }),
    tmp.dir,
    { pruneEveryMs: 50, onError: (err) => errors.push((err as Error).message) },
  );
  try {
    await whileLocked(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const skipped = errors.filter((m) => /previous run has not finished/.test(m));
      assert.ok(skipped.length >= 3, errors.join('\n'));
    });
    // The held run finishes once the lock goes; the next ones run again, each alone: a window
    // of several runs passes with none skipped. On a loaded machine a run may itself outlast
    // the 50 ms between runs (one skip, not a held run), so a few windows are allowed; a run
    // still held skips in every one of them.
    let skippedInWindow: string[] = [];
    for (let window = 0; window < 20; window++) {
      const before = errors.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      skippedInWindow = errors.slice(before);
      if (skippedInWindow.length === 0) break;
    }
    assert.deepEqual(skippedInWindow, []);
  } finally {
    await audit.close();
    await tmp.cleanup();
  }
});
