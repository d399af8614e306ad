/** The gateway's entry: config section, openAudit, retention and start-up failures. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditConfigSchema, DEFAULT_AUDIT_CONFIG } from '../../src/audit/config.js';
import { AuditStoreError, redactUrl } from '../../src/audit/errors.js';
import { createAuditStore } from '../../src/audit/open.js';
import { openAudit } from '../../src/audit/setup.js';
import { ThreadedSqliteStore } from '../../src/audit/sqlite-threaded.js';
import { sampleInput, tempDir } from './helpers.js';

describe('audit config and setup', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(async () => tmp.cleanup());

  it('reads the audit section: a bare store URL or an object, with safe defaults', () => {
    assert.equal(DEFAULT_AUDIT_CONFIG.store, 'sqlite');
    assert.equal(DEFAULT_AUDIT_CONFIG.retain, 90 * 86_400_000);
    assert.equal(DEFAULT_AUDIT_CONFIG.on_spool_full, 'block');
    assert.equal(DEFAULT_AUDIT_CONFIG.forensic.max_bytes, 0, 'forensic bodies are off by default');
    const pg = auditConfigSchema.parse('postgres://airlock@db:5432/airlock');
    assert.equal(pg.store, 'postgres://airlock@db:5432/airlock');
    const custom = auditConfigSchema.parse({ retain: 'forever', spool_max: '1MiB', on_spool_full: 'allow' });
    assert.deepEqual(
      [custom.retain, custom.spool_max, custom.on_spool_full],
      [undefined, 1_048_576, 'allow'],
    );
    const bad = auditConfigSchema.safeParse({ retain: '3 months', on_spool_full: 'maybe', extra: 1 });
    assert.equal(bad.success, false);
    const paths = bad.error?.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['', 'on_spool_full', 'retain']);
  });

  it('records, prunes past the retention window and stays verifiable', async () => {
    const dataDir = join(tmp.dir, 'retain');
    const config = auditConfigSchema.parse({ retain: '30d', instance: 'retain-test' });
    const audit = await openAudit(config, dataDir);
    assert.match(audit.recorder.instance, /^retain-test-[0-9a-f]{6}$/);
    const old = Date.now() - 40 * 86_400_000;
    for (let i = 1; i <= 10; i++) audit.recorder.record(sampleInput(i, old + i));
    for (let i = 11; i <= 15; i++) audit.recorder.record(sampleInput(i, Date.now()));
    await audit.recorder.flush();
    assert.equal(await audit.prune(), 10);
    const report = await audit.store.verify();
    assert.equal(report.ok, true);
    assert.deepEqual([report.events, report.instances[0]?.firstSeq], [5, 11]);
    await audit.close();
  });

  it('makes SQLite commits survive power loss when the spool is fsynced per event', async () => {
    const pragma = async (fsync: 'always' | 'interval') => {
      const audit = await openAudit(auditConfigSchema.parse({ fsync }), join(tmp.dir, `sync-${fsync}`));
      // The default SQLite store commits on its writer thread: that connection's setting counts.
      assert.ok(audit.store instanceof ThreadedSqliteStore);
      const writer = await audit.store.writerSynchronous();
      const reader = audit.store.database().pragma('synchronous', { simple: true });
      await audit.close();
      return [writer, reader];
    };
    assert.deepEqual(await pragma('always'), [2, 2]); // FULL
    assert.deepEqual(await pragma('interval'), [1, 1]); // NORMAL
  });

  it('fails at start with a clear error for a corrupt SQLite file or an unreachable PostgreSQL', async () => {
    const dataDir = join(tmp.dir, 'corrupt');
    await openAudit(DEFAULT_AUDIT_CONFIG, dataDir).then((a) => a.close());
    await writeFile(join(dataDir, 'audit.db'), Buffer.alloc(8192, 0x41));
    await assert.rejects(openAudit(DEFAULT_AUDIT_CONFIG, dataDir), (err: unknown) => {
      assert.ok(err instanceof AuditStoreError);
      assert.equal(err.problem, 'corrupt');
      assert.match(err.message, /SQLite audit database at .*corrupt\/audit\.db is corrupt/);
      return true;
    });
    const pg = auditConfigSchema.parse('postgres://postgres:pw@127.0.0.1:1/test');
    await assert.rejects(openAudit(pg, join(tmp.dir, 'pg')), (err: unknown) => {
      assert.ok(err instanceof AuditStoreError);
      assert.equal(err.problem, 'unreachable');
      assert.equal(err.location, 'postgres://postgres@127.0.0.1:1/test');
      return true;
    });
  });

  it("names a store by its URL without a password, in the user part or the query (the start banner's Audit:)", async () => {
    const store = createAuditStore(
      'postgresql://u:p%40ss@db:5432/a?schema=airlock&password=pw2&sslpassword=pw3&sslkey=/keys/client.key' +
        '&passfile=/home/u/.pgpass&sslmode=verify-full&application_name=gw',
      tmp.dir,
    );
    try {
      // The schema is part of where the log is: shown, after the other parameters.
      assert.equal(
        store.location,
        'postgresql://u@db:5432/a?sslmode=verify-full&application_name=gw&schema=airlock',
      );
    } finally {
      await store.close();
    }
    // Unparsable, or parsed wrong: everything up to the last @ may be the password.
    assert.equal(redactUrl('postgres://u:p@ss@[::1?password=pw2&schema=a'), 'postgres://[::1?schema=a');
    assert.equal(redactUrl('postgres://u:p@ss/w@db/a?sslmode=disable'), 'postgres://db/a?sslmode=disable');
    assert.equal(redactUrl('postgres://u:p@ss@db/a'), 'postgres://u@db/a');
  });
});
