/**
 * Picks and opens the audit store from the `audit:` setting (or `--store`): nothing or
 * `sqlite` → `<dataDir>/audit.db`; `sqlite:<path>` or a path → that SQLite file;
 * `postgres://...` / `postgresql://...` → PostgreSQL.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { PostgresAuditStore } from './postgres-store.js';
import { SqliteAuditStore, type SqliteStoreOptions } from './sqlite-store.js';
import { parseStoreSpec } from './store-spec.js';
import { ThreadedSqliteStore } from './sqlite-threaded.js';
import type { AuditStore } from './store.js';

export interface OpenStoreOptions {
  /**
   * For reading tools: create and migrate nothing. Fails (AuditStoreError `missing`) when the
   * SQLite file does not exist or holds no audit log, or the PostgreSQL tables are not there.
   */
  mustExist?: boolean;
  /** SQLite `synchronous` (see SqliteStoreOptions); `FULL` goes with `fsync: always`. */
  synchronous?: 'NORMAL' | 'FULL';
}

export function auditDbPath(dataDir: string): string {
  return join(dataDir, 'audit.db');
}

/**
 * A SQLite file store with its inserts on a writer thread: a real request's event (15
 * findings, 4 KB) costs 70-100 µs of inserts, which inline would come off the gateway's
 * throughput. Readers (the CLI) never start the thread: it starts on the first append.
 */
function sqliteStore(options: SqliteStoreOptions): AuditStore {
  return new ThreadedSqliteStore(options);
}

/**
 * Builds the store without connecting (a PostgreSQL store that is down fails on first use); a
 * wrong spec is an AuditStoreError (`bad-spec`).
 */
export function createAuditStore(
  spec: string | undefined,
  dataDir: string,
  options: OpenStoreOptions = {},
): AuditStore {
  const parsed = parseStoreSpec(spec);
  if (parsed.kind === 'postgres')
    return new PostgresAuditStore({ url: parsed.url, readOnly: options.mustExist ?? false });
  const { path } = parsed;
  if (path === undefined) return sqliteStore({ path: auditDbPath(dataDir), ...options });
  if (path === ':memory:') return new SqliteAuditStore({ path, ...options });
  return sqliteStore({ path: isAbsolute(path) ? path : resolve(path), ...options });
}

/** Builds the store and checks it now, so a start-up fails with a clear AuditStoreError. */
export async function openAuditStore(
  spec: string | undefined,
  dataDir: string,
  options: OpenStoreOptions = {},
): Promise<AuditStore> {
  const store = createAuditStore(spec, dataDir, options);
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
