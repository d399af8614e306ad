/** The SQLite audit file and the -wal and -shm files SQLite makes beside it are the owner's only (0600). */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditRecorder } from '../../src/audit/recorder.js';
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
