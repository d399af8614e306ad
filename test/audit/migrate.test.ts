/** Schema migrations: a log written at schema version 1 opens, migrates and keeps its data. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EVENT_COLUMNS, eventColumns } from '../../src/audit/sql-reader.js';
import { SQLITE_MIGRATIONS } from '../../src/audit/sqlite-schema.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { sealedChain, tempDir } from './helpers.js';

describe('audit schema migrations', () => {
  it('upgrades a version-1 SQLite log, backfilling the rollup from stored events', async () => {
    const tmp = await tempDir();
    try {
      const path = join(tmp.dir, 'audit.db');
      const chain = sealedChain('old', 25);
      const db = new Database(path);
      db.exec(SQLITE_MIGRATIONS[0] ?? '');
      db.exec(
        'CREATE TABLE audit_schema_version (version INTEGER NOT NULL); INSERT INTO audit_schema_version VALUES (1)',
      );
      const insert = db.prepare(`INSERT INTO audit_events (${EVENT_COLUMNS}) VALUES (${'?, '.repeat(13)}?)`);
      const finding = db.prepare('INSERT INTO audit_findings VALUES (?, ?, ?, ?, ?, ?)');
      for (const { event, doc } of chain) {
        const row = insert.run(...eventColumns(event), doc).lastInsertRowid;
        for (const f of event.findings)
          finding.run(row, Date.parse(event.time), f.ruleId, f.category, f.severity, f.action);
      }
      db.close();

      const store = new SqliteAuditStore({ path });
      await store.init();
      const version = store.database().prepare('SELECT version FROM audit_schema_version').get() as {
        version: number;
      };
      assert.equal(version.version, SQLITE_MIGRATIONS.length);
      const stats = await store.stats(
        { since: new Date('2026-01-01T00:00:00Z'), until: new Date('2026-01-01T00:01:00Z') },
        { bucketMs: 60_000 },
      );
      assert.equal(stats.totals.events, 25);
      assert.equal(
        stats.requestClient.reduce((n, c) => n + c.total, 0),
        chain.filter((s) => s.event.kind === 'request').length,
        'requests per client backfilled',
      );
      assert.equal(
        stats.totals.findings,
        chain.reduce((n, s) => n + s.event.findings.length, 0),
      );
      assert.equal((await store.verify()).ok, true);
      await store.close();

      const again = new SqliteAuditStore({ path });
      await again.init(); // already current: nothing to do, nothing breaks
      assert.equal((await again.query({ limit: 100 })).events.length, 25);
      await again.close();
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses a log written by a newer Airlock', async () => {
    const tmp = await tempDir();
    try {
      const path = join(tmp.dir, 'audit.db');
      const store = new SqliteAuditStore({ path });
      await store.init();
      store.database().prepare('UPDATE audit_schema_version SET version = 99').run();
      await store.close();
      await assert.rejects(
        new SqliteAuditStore({ path }).init(),
        /schema version 99 is newer than this Airlock/,
      );
    } finally {
      await tmp.cleanup();
    }
  });
});
