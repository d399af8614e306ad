/**
 * The files a SQLite audit store is made of (the database and its -wal, -shm, -journal), and
 * whether a path names one of them: `audit export -o` pointed at one would overwrite the log it
 * reads (through a symbolic link or a hard link too).
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { AuditStore } from './store.js';

const SQLITE_SUFFIXES = ['', '-wal', '-shm', '-journal'];

/** The path with its links resolved; for a file not there yet, its folder's. */
function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The store's own file that `path` names, or undefined (always for PostgreSQL). */
export function storeFileAt(path: string, store: AuditStore): string | undefined {
  if (store.kind !== 'sqlite' || store.location === ':memory:') return undefined;
  const target = realPath(path);
  const database = realPath(store.location);
  for (const suffix of SQLITE_SUFFIXES) {
    const file = `${database}${suffix}`;
    if (target === file || sameFile(path, file)) return `${store.location}${suffix}`;
  }
  return undefined;
}
