/**
 * Airlock's own SQLite files in the data dir (vault.db, tracking.db): private (mode 0600 before
 * SQLite writes a byte, in a 0700 folder), in WAL mode so readers never wait for the writer, and
 * guarded by layout: their tables are named `<prefix>_<name>_v<N>`, N the layout. A file holding
 * a table of a later layout was written by a newer Airlock; read by this one, its data would be
 * used without the newer tables (or beside them), so the file is refused instead, naming the
 * tables.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateFile } from './private-file.js';

/**
 * Opens `file`, creating it private, and runs `prepare` on it (the layout check, the tables).
 * What fails once it is open (not a database, a newer layout) closes it and is thrown as
 * `failure(err)`: only the caller can say which of the data dir's files it is.
 */
export function openDataDirSqlite(
  file: string,
  prepare: (db: Database.Database) => void,
  failure: (err: Error) => Error,
): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  createPrivateFile(file);
  chmodSync(file, 0o600);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    for (const side of [`${file}-wal`, `${file}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
    prepare(db);
  } catch (err) {
    db.close();
    throw failure(err as Error);
  }
  return db;
}

/** Throws when `db` holds a `<prefix>_*_v<N>` table with N above `layout`. */
export function refuseNewerLayout(db: Database.Database, prefix: string, layout: number): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  const pattern = new RegExp(`^${prefix}_\\w+_v(\\d+)$`);
  const newer = tables
    .map((t) => t.name)
    .filter((name) => Number(pattern.exec(name)?.[1] ?? layout) > layout);
  if (newer.length > 0) {
    throw new Error(
      `it was written by a newer Airlock (tables ${newer.join(', ')}; this one reads layout v${layout}): ` +
        'run that version or a newer one',
    );
  }
}
