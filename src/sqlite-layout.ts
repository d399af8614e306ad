/**
 * The layout guard of Airlock's SQLite files in the data dir (vault.db, tracking.db): their
 * tables are named `<prefix>_<name>_v<N>`, N the layout. A file holding a table of a later layout
 * was written by a newer Airlock; read by this one, its data would be used without the newer
 * tables (or beside them), so the file is refused instead, naming the tables.
 */
import type Database from 'better-sqlite3';

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
