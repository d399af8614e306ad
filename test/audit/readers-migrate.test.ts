/**
 * Readers (verify, export, tail) create and migrate nothing: a mistyped `?schema=` or a file that
 * holds no audit log is exit 2 with a clear message (it used to be created, and verified as
 * "OK: 0 events"), and a PostgreSQL role with only SELECT can read the log.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { runAuditExport, runAuditTail, runAuditVerify } from '../../src/cli/commands/audit.js';
import { captureIo, PG_URL, sampleInput, tempDir, uniqueSchema } from './helpers.js';

describe('audit readers do not migrate', { timeout: 60_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const schema = uniqueSchema();
  const role = `${schema}_ro`;
  let admin: PostgresAuditStore;
  before(async () => {
    tmp = await tempDir();
    admin = new PostgresAuditStore({ url: PG_URL, schema });
    const recorder = new AuditRecorder({ store: admin, dataDir: tmp.dir });
    for (let i = 1; i <= 6; i++) recorder.record(sampleInput(i, Date.now()));
    await recorder.close();
  });
  after(async () => {
    await admin.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.sql(`DROP ROLE IF EXISTS "${role}"`);
    await admin.close();
    await tmp.cleanup();
  });

  it('refuses a PostgreSQL schema that does not exist, and does not create it', async () => {
    const missing = uniqueSchema();
    try {
      for (const run of [runAuditVerify, runAuditTail]) {
        const io = captureIo();
        assert.equal(await run({ store: `${PG_URL}?schema=${missing}` }, io), 2);
        assert.match(
          io.err(),
          new RegExp(
            `no Airlock audit tables in schema "${missing}" of the PostgreSQL database at .*\\?schema=${missing}`,
          ),
        );
        assert.equal(io.out(), '');
      }
      const io = captureIo();
      assert.equal(await runAuditExport({ store: `${PG_URL}?schema=${missing}`, format: 'jsonl' }, io), 2);
      const created = await admin.sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [missing]);
      assert.equal(created.length, 0, 'the mistyped schema was created');
    } finally {
      await admin.sql(`DROP SCHEMA IF EXISTS "${missing}" CASCADE`);
    }
  });

  it('reads with a role that may only SELECT, and names the schema it read', async () => {
    await admin.sql(`CREATE ROLE "${role}" LOGIN`);
    await admin.sql(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
    await admin.sql(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO "${role}"`);
    const url = new URL(PG_URL);
    url.username = role;
    url.searchParams.set('schema', schema);
    try {
      const verify = captureIo();
      assert.equal(await runAuditVerify({ store: url.toString() }, verify), 0, verify.err());
      assert.match(verify.out(), new RegExp(`audit log OK: 6 events in 1 chains .*\\?schema=${schema}\\)`));
      const tail = captureIo();
      assert.equal(await runAuditTail({ store: url.toString(), lines: 3 }, tail), 0, tail.err());
      assert.equal(tail.out().trim().split('\n').length, 3);
      const exported = captureIo();
      assert.equal(await runAuditExport({ store: url.toString(), format: 'jsonl' }, exported), 0);
      assert.equal(exported.out().trim().split('\n').length, 6);
    } finally {
      await admin.sql(`DROP OWNED BY "${role}"`);
    }
  });

  it('refuses a SQLite file that holds no audit log, and leaves it as it was', async () => {
    const path = join(tmp.dir, 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    const io = captureIo();
    assert.equal(await runAuditVerify({ store: `sqlite:${path}` }, io), 2);
    assert.match(io.err(), /no audit log in the SQLite database at .*other\.db/);
    const after = new Database(path, { readonly: true });
    const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    after.close();
    assert.deepEqual(tables, [{ name: 'notes' }]);
  });
});
