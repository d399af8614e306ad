/**
 * A SQLite audit file damaged past its first pages opens (open reads only those), then fails a
 * read or a write: verify, export and the gateway's writer say which file is corrupt and what to
 * do, as at open, instead of SQLite's bare "database disk image is malformed". A directory named
 * as the store is said to be one.
 */
import assert from 'node:assert/strict';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { AuditStoreError } from '../../src/audit/errors.js';
import { openAuditStore } from '../../src/audit/open.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { ThreadedSqliteStore } from '../../src/audit/sqlite-threaded.js';
import { runAuditExport, runAuditVerify } from '../../src/cli/commands/audit.js';
import { captureIo, sealedChain, tempDir } from './helpers.js';

/** Overwrites one page of `path` with garbage; `which` picks it from audit_events' leaf pages. */
async function garblePage(path: string, which: 'middle' | 'last'): Promise<void> {
  const db = new Database(path);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const leaves = db
    .prepare("SELECT pageno FROM dbstat WHERE name = 'audit_events' AND pagetype = 'leaf' ORDER BY path")
    .all() as { pageno: number }[];
  db.close(); // checkpoints the WAL into the file
  assert.ok(leaves.length > 4, 'enough pages to damage one in the middle');
  const page = (which === 'last' ? leaves[leaves.length - 1] : leaves[Math.floor(leaves.length / 2)])!.pageno;
  const file = await open(path, 'r+');
  await file.write(Buffer.alloc(pageSize, 0x55), 0, pageSize, (page - 1) * pageSize);
  await file.close();
}

const CORRUPT =
  /the SQLite audit database at .*audit\.db is corrupt or not a database \(database disk image is malformed\); move it aside/;

describe('a damaged SQLite audit file', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(async () => tmp.cleanup());

  async function damagedStore(name: string, which: 'middle' | 'last'): Promise<string> {
    const path = join(tmp.dir, name, 'audit.db');
    const store = new SqliteAuditStore({ path });
    await store.append(sealedChain('inst-a', 2000));
    await store.close();
    await garblePage(path, which);
    return path;
  }

  it('is named by verify and export, exit code 2, no stack trace', async () => {
    const path = await damagedStore('middle', 'middle');
    const verify = captureIo();
    assert.equal(await runAuditVerify({ store: `sqlite:${path}` }, verify), 2);
    assert.match(verify.err(), CORRUPT);
    assert.doesNotMatch(verify.err(), /\n\s+at /);
    const exported = captureIo();
    assert.equal(await runAuditExport({ store: `sqlite:${path}`, format: 'jsonl' }, exported), 2);
    assert.match(exported.err(), CORRUPT);
  });

  it("is named by the gateway's writer thread when an append meets the damage", async () => {
    const path = await damagedStore('last', 'last');
    const store = new ThreadedSqliteStore({ path });
    try {
      await store.init();
      await assert.rejects(store.append(sealedChain('inst-b', 3)), CORRUPT);
      await assert.rejects(store.append(sealedChain('inst-a', 2003).slice(2000)), CORRUPT);
    } finally {
      await store.close();
    }
  });

  it('a directory given as the store is said to be one', async () => {
    const dir = join(tmp.dir, 'a-directory.db');
    await mkdir(dir);
    await assert.rejects(openAuditStore(`sqlite:${dir}`, tmp.dir), (err: unknown) => {
      assert.ok(err instanceof AuditStoreError);
      assert.equal(
        err.message,
        `the SQLite audit store ${dir} is a directory, not a file: name a file (sqlite:${join(dir, 'audit.db')})`,
      );
      return true;
    });
  });
});
