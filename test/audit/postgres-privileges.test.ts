/**
 * A PostgreSQL role that lacks a privilege the audit store needs, on the real server: the error
 * names the store (its URL without the password), what failed and the GRANT that fixes it, and
 * that GRANT does fix it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { auditConfigSchema } from '../../src/audit/config.js';
import { AuditStoreError } from '../../src/audit/errors.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { openAudit } from '../../src/audit/setup.js';
import { PG_URL, sampleInput, sealedChain, tempDir, uniqueSchema } from './helpers.js';

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

/** The GRANT statements an error message tells the owner to run, as they are written there. */
function grantsIn(message: string): string[] {
  return [...message.matchAll(/GRANT [^;]+;/g)].map((m) => m[0]);
}

describe('PostgreSQL audit store: a role without the privileges it needs', () => {
  const admin = new pg.Client({ connectionString: PG_URL });
  const role = `airlock_lim_${process.pid}_${randomBytes(3).toString('hex')}`;
  const schema = uniqueSchema();
  const roleUrl = (s = schema) =>
    `${PG_URL.replace('postgres://postgres@', `postgres://${role}:${PASSWORD}@`)}?schema=${s}`;
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    tmp = await tempDir();
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
  });
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP OWNED BY ${role}`);
    await admin.query(`DROP ROLE ${role}`);
    await admin.end();
    await tmp.cleanup();
  });

  function assertNamesStore(err: unknown, task: RegExp): AuditStoreError {
    assert.ok(err instanceof AuditStoreError, String(err));
    assert.equal(err.problem, 'denied');
    assert.match(err.message, task);
    assert.ok(err.message.includes(`postgres://${role}@`), err.message);
    assert.ok(err.message.includes(`schema=${schema}`), err.message);
    assert.ok(!err.message.includes(PASSWORD), 'the password is never shown');
    return err;
  }

  it('at start, a role that may not create the schema is told how to get it created', async () => {
    const config = auditConfigSchema.parse(roleUrl());
    await assert.rejects(openAudit(config, tmp.dir), (err: unknown) => {
      const e = assertNamesStore(
        err,
        /^cannot create or upgrade the audit tables of the PostgreSQL audit store at /,
      );
      assert.match(e.message, /permission denied for database test/);
      assert.ok(e.message.includes(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}";`), e.message);
      assert.ok(e.message.includes(`GRANT CREATE ON DATABASE "test" TO "${role}";`), e.message);
      return true;
    });
  });

  it('starts on tables its owner made, with only the privileges writing needs', async () => {
    const owner = new PostgresAuditStore({ url: PG_URL, schema });
    await owner.init();
    await owner.close();
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    // No CREATE on the database or the schema: CREATE ... IF NOT EXISTS alone was refused.
    const store = new PostgresAuditStore({ url: roleUrl() });
    try {
      await store.init();
    } finally {
      await store.close();
    }
  });

  it('while writing, a refused insert names the store and the GRANT, and that GRANT works', async () => {
    const store = new PostgresAuditStore({ url: roleUrl() });
    try {
      const chain = sealedChain(`lim-${randomBytes(3).toString('hex')}`, 3);
      const err = await store.append(chain).then(
        () => assert.fail('the insert was allowed'),
        (e: unknown) => e,
      );
      const denied = assertNamesStore(err, /^cannot write events to the PostgreSQL audit store at /);
      assert.match(denied.message, /permission denied for table audit_events/);
      const grants = grantsIn(denied.message);
      assert.deepEqual(grants, [
        `GRANT USAGE ON SCHEMA "${schema}" TO "${role}";`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO "${role}";`,
        `GRANT USAGE ON ALL SEQUENCES IN SCHEMA "${schema}" TO "${role}";`,
      ]);
      for (const grant of grants) await admin.query(grant);
      await store.append(chain);
      assert.equal((await store.query({ limit: 10 })).events.length, 3);
      // Retention deletes too: covered by the same GRANT.
      assert.equal(await store.prune(new Date(Date.now() + 60_000)), 3);
    } finally {
      await store.close();
    }
  });

  it("the gateway's recorder reports the refused write with the store named", async () => {
    await admin.query(`REVOKE INSERT ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
    const errors: unknown[] = [];
    const audit = await openAudit(
      auditConfigSchema.parse({ store: roleUrl(), durability: 'memory' }),
      tmp.dir,
      {
        onError: (e) => errors.push(e),
      },
    );
    try {
      audit.recorder.record(sampleInput(1, Date.now()));
      await audit.recorder.flush();
      assert.ok(errors.length > 0, 'the failed write was reported');
      assertNamesStore(errors[0], /^cannot write events to the PostgreSQL audit store at /);
      assert.match(audit.recorder.stats().lastError ?? '', /PostgreSQL audit store at postgres:\/\/.*GRANT/);
    } finally {
      await audit.close({ timeoutMs: 100 });
    }
  });

  it('a reader without SELECT is told which GRANT lets it read', async () => {
    await admin.query(`REVOKE SELECT ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
    const reader = new PostgresAuditStore({ url: roleUrl(), readOnly: true });
    try {
      await assert.rejects(reader.init(), (err: unknown) => {
        const e = assertNamesStore(err, /^cannot read the PostgreSQL audit store at /);
        assert.ok(
          e.message.includes(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO "${role}";`),
          e.message,
        );
        return true;
      });
    } finally {
      await reader.close();
    }
  });
});
