/**
 * The SQLite audit file and the -wal and -shm files SQLite makes beside it are the owner's only
 * (0600), and making sure of it never costs the gateway's connections their locks.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { ThreadedSqliteStore } from '../../src/audit/sqlite-threaded.js';
import { sampleInput, tempDir } from './helpers.js';

describe('audit database file modes', () => {
  it('creates audit.db, audit.db-wal and audit.db-shm with mode 0600, whatever the umask allows', async () => {
    const tmp = await tempDir();
    const umask = process.umask(0o022);
    try {
      // A folder of its own that is not private: the files must be.
      const path = join(tmp.dir, 'shared', 'audit.db');
      const store = new ThreadedSqliteStore({ path });
      const recorder = new AuditRecorder({ store, dataDir: tmp.dir });
      recorder.record(sampleInput(1, Date.now()));
      await recorder.flush();
      for (const file of [path, `${path}-wal`, `${path}-shm`])
        assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
      await recorder.close();
      await store.close();
    } finally {
      process.umask(umask);
      await tmp.cleanup();
    }
  });
});

describe('a second connection of the gateway to its audit database', () => {
  /** The POSIX locks this process holds on `path` (Linux's /proc/locks, by inode). */
  const locksHeld = (path: string): string[] =>
    readFileSync('/proc/locks', 'utf8')
      .split('\n')
      .filter((line) => line.includes(`:${statSync(path).ino} `) && line.includes(` ${process.pid} `));

  const hasSqlite3 = (): boolean => spawnSync('sqlite3', ['-version']).status === 0;

  it("leaves the first one's locks alone, so an outside reader that closes deletes no WAL in use", async () => {
    const tmp = await tempDir();
    try {
      const path = join(tmp.dir, 'audit.db');
      // As the gateway: the dashboard's reader opens first, the writer thread at the first append.
      const reader = new SqliteAuditStore({ path });
      await reader.init();
      await reader.query({});
      assert.equal(locksHeld(path).length, 1, "the reader's shared lock");
      const writer = new ThreadedSqliteStore({ path });
      const recorder = new AuditRecorder({ store: writer, dataDir: tmp.dir });
      recorder.record(sampleInput(1, Date.now()));
      await recorder.flush();
      assert.equal(locksHeld(path).length, 1, 'still held once the writer opened the file');
      // `sqlite3 audit.db "SELECT count(*) ..."` by hand (docs/audit.md): closing, it checkpoints
      // and deletes the WAL when it takes itself for the last connection. (Where Debian's
      // sqlite3 is missing, the lock above is what this rests on.)
      if (hasSqlite3()) {
        const count = () =>
          execFileSync('sqlite3', [path, 'SELECT count(*) FROM audit_events'], { encoding: 'utf8' }).trim();
        assert.equal(count(), '1');
        for (let i = 2; i <= 5; i++) recorder.record(sampleInput(i, Date.now()));
        await recorder.flush();
        assert.equal(count(), '5', 'what the gateway committed after the outside reader left');
      }
      await recorder.close();
      await reader.close();
      await writer.close();
    } finally {
      await tmp.cleanup();
    }
  });
});
