/**
 * Creating a file that only its owner may read, for SQLite to fill: SQLite gives the -wal and
 * -shm files it makes the database file's mode, so the database is created first, with 0600.
 */
import { closeSync, openSync } from 'node:fs';

/**
 * Creates `path` with mode 0600 unless it exists; an existing file is left as it is, unopened.
 * Opening it to check would not do: closing a descriptor drops every POSIX lock the process
 * holds on the file, SQLite's among them. A second connection of the process (the dashboard's
 * reader, the audit writer thread) would take the first one's shared lock with it, and the
 * next outside reader to close (`sqlite3 audit.db`) would think itself the last, checkpoint and
 * delete the WAL the gateway still commits into: those commits are then lost on a crash.
 */
export function createPrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  closeSync(fd);
}
