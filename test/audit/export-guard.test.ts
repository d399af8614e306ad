/**
 * `audit export -o` never writes over the log it reads: the SQLite file, its -wal or -shm, by
 * name, through a symbolic link or a hard link, are refused with exit code 2; so is an empty
 * `-o ''`, which used to mean stdout.
 */
import assert from 'node:assert/strict';
import { linkSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { runAuditExport } from '../../src/cli/commands/audit.js';
import { captureIo, sampleInput, tempDir } from './helpers.js';

describe('audit export onto the store', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let db: string;
  let writer: SqliteAuditStore;
  before(async () => {
    tmp = await tempDir();
    db = join(tmp.dir, 'audit.db');
    // Kept open, as a running gateway keeps it: the -wal and -shm files exist.
    writer = new SqliteAuditStore({ path: db });
    const recorder = new AuditRecorder({ store: writer, dataDir: tmp.dir });
    for (let i = 1; i <= 5; i++) recorder.record(sampleInput(i, Date.now()));
    await recorder.close();
  });
  after(async () => {
    await writer.close();
    await tmp.cleanup();
  });

  it("refuses the store's own files with exit code 2 and leaves them as they were", async () => {
    symlinkSync(db, join(tmp.dir, 'link.db'));
    linkSync(db, join(tmp.dir, 'hard.db'));
    const before = readFileSync(db);
    const sizes = ['-wal', '-shm'].map((s) => statSync(`${db}${s}`).size);
    for (const output of [
      db,
      `${db}-wal`,
      `${db}-shm`,
      relative(process.cwd(), db),
      join(tmp.dir, '.', 'audit.db'),
      join(tmp.dir, 'link.db'),
      join(tmp.dir, 'hard.db'),
    ]) {
      const io = captureIo();
      assert.equal(await runAuditExport({ store: `sqlite:${db}`, format: 'jsonl', output }, io), 2, output);
      assert.match(io.err(), /--output .* is the audit store's own file .*choose another file/, output);
    }
    assert.deepEqual(readFileSync(db), before);
    assert.deepEqual(
      ['-wal', '-shm'].map((s) => statSync(`${db}${s}`).size),
      sizes,
    );
    assert.equal((await writer.verify()).events, 5);
  });

  it('refuses an empty --output instead of writing to stdout', async () => {
    const io = captureIo();
    assert.equal(await runAuditExport({ store: `sqlite:${db}`, format: 'jsonl', output: '' }, io), 2);
    assert.match(io.err(), /--output names no file/);
    assert.equal(io.out(), '');
  });

  it('still exports to another file', async () => {
    const io = captureIo();
    const output = join(tmp.dir, 'export.jsonl');
    assert.equal(await runAuditExport({ store: `sqlite:${db}`, format: 'jsonl', output }, io), 0);
    assert.equal(readFileSync(output, 'utf8').trim().split('\n').length, 5);
  });
});
