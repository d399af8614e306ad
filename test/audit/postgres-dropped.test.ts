/**
 * A PostgreSQL audit store whose connection drops while the gateway runs (here: the backend
 * writing a batch is ended with pg_terminate_backend) is named in the gateway's log line, by its
 * URL without the password, with where the events are meanwhile (the spool); once the store
 * takes events again, a line says so and the spooled events are stored. A store that stalls is
 * named too, by the recorder's own bound.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { until } from '../helpers/until.js';
import { PG_URL, uniqueSchema } from './helpers.js';

const schema = uniqueSchema();
const PASSWORD = 'pw-never-logged-4711';
/** The store's URL with a password (trust authentication ignores it) and a name to find its backends by. */
const withPassword = new URL(PG_URL);
withPassword.password = PASSWORD;
withPassword.searchParams.set('application_name', `airlock-dropped-${process.pid}`);
withPassword.searchParams.set('schema', schema);
const storeUrl = withPassword.toString();
const shownUrl = storeUrl.replace(`:${PASSWORD}@`, '@');

let admin: pg.Client;
before(async () => {
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
});
after(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

/** Runs `fn` while another session holds the events table, so that an append waits on it. */
async function whileLocked(fn: () => Promise<void>): Promise<void> {
  await admin.query('BEGIN');
  await admin.query(`LOCK TABLE "${schema}".audit_events IN ACCESS EXCLUSIVE MODE`);
  try {
    await fn();
  } finally {
    await admin.query('ROLLBACK');
  }
}

interface LogLine {
  level: number;
  msg: string;
  err?: string;
  store?: string;
  spool?: string;
}

test(
  'a write cut by pg_terminate_backend: the log names the store and the spool, then says it is back',
  { timeout: 60_000 },
  async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const dataDir = mkdtempSync(join(tmpdir(), 'airlock-pg-dropped-'));
    let stack: AirlockStack | undefined;
    try {
      stack = await startAirlockStack(
        { script: { reply: [{ text: 'ok' }] } },
        { config: { audit: { store: storeUrl } }, dataDir, logger },
      );
      const { recorder, store } = stack.airlock;
      const ask = async () => {
        const res = await fetch(`${stack!.via.openai}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.equal(res.status, 200);
        await res.text();
      };
      await ask();
      await recorder.flush();

      await whileLocked(async () => {
        await ask();
        // The append of that exchange waits on the lock: its backend is the one to end.
        const application = withPassword.searchParams.get('application_name');
        await until(async () => {
          // Within the lock's transaction the activity view is read once, then kept: read it anew.
          await admin.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await admin.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'INSERT INTO%audit_events%' AND wait_event_type = 'Lock'",
            [application],
          );
          return rows.length > 0;
        }, 'the append to wait on the lock');
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [application],
        );
        await until(() => lines.some((l) => l.includes('the audit store failed')), 'the error log line');
      });

      const failed = lines
        .map((l) => JSON.parse(l) as LogLine)
        .find((l) => l.msg.includes('the audit store failed'));
      const spool = join(dataDir, 'audit-spool');
      assert.equal(failed?.level, 50);
      assert.equal(
        failed?.msg,
        `the audit store failed: events are kept in the spool (${spool}) and written to the store once it takes them again`,
      );
      assert.equal(failed?.store, shownUrl);
      assert.equal(failed?.spool, spool);
      assert.equal(
        failed?.err,
        `writing events to the PostgreSQL audit store at ${shownUrl} failed: terminating connection due to administrator command`,
      );

      await until(() => lines.some((l) => l.includes('takes events again')), 'the store back');
      const back = lines
        .map((l) => JSON.parse(l) as LogLine)
        .find((l) => l.msg.includes('takes events again'));
      assert.equal(back?.level, 30);
      assert.equal(back?.store, shownUrl);
      await recorder.flush();
      assert.equal((await store.query({ limit: 10 })).events.length, 2, 'the spooled event stored');
      assert.ok(!lines.join('\n').includes(PASSWORD), 'the password in a log line');
    } finally {
      await stack?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  'an append the server holds past the recorder bound: the error names the store',
  { timeout: 30_000 },
  async () => {
    const store = new PostgresAuditStore({ url: storeUrl });
    await store.init();
    const dataDir = mkdtempSync(join(tmpdir(), 'airlock-pg-stalled-'));
    const errors: string[] = [];
    const recorder = new AuditRecorder({
      store,
      dataDir,
      appendTimeoutMs: 200,
      flushIntervalMs: 10,
      onStoreError: (err) => errors.push((err as Error).message),
    });
    try {
      await whileLocked(async () => {
        recorder.record({ kind: 'request', latency_ms: { total: 1 }, decision: 'forward' });
        await until(() => errors.length > 0, 'the append to fail');
      });
      assert.equal(errors[0], `the PostgreSQL audit store at ${shownUrl} did not take 1 event within 200 ms`);
    } finally {
      await recorder.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
