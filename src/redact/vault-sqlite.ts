/**
 * The vault in SQLite (`<dataDir>/vault.db`): survives restarts of a single gateway. WAL so
 * readers never wait for the writer; the schema version is in the table names (undici's
 * sqlite-cache-store does the same) so a future layout can live beside this one.
 */
import type Database from 'better-sqlite3';
import { openDataDirSqlite, refuseNewerLayout } from '../data-dir-sqlite.js';
import type { Vault } from './vault.js';
import { newerSeal, SEAL_PREFIX, SEAL_VERSION } from './vault-seal.js';

export const VAULT_FILE = 'vault.db';
/** An original an earlier Airlock stored as it is: not `sealed:v<N>:…`. */
const IN_CLEAR = "original NOT GLOB 'sealed:v[0-9]*:*'";
/** The layout this build reads and writes: the `_v1` of its table names. */
const LAYOUT = 1;

export class SqliteVault implements Vault {
  private readonly db: Database.Database;
  private readonly getOriginal: Database.Statement<[string], { original: string }>;
  private readonly getLink: Database.Statement<[string], { surrogate: string }>;
  private readonly getAny: Database.Statement<[], { original: string }>;
  private readonly insertOriginal: Database.Statement<[string, string]>;
  private readonly insertLink: Database.Statement<[string, string]>;
  private readonly claimTx: (surrogate: string, original: string, valueKey?: string) => string | undefined;
  private readonly getGrant: Database.Statement<[string, string], { one: number }>;
  private readonly grantTx: (scope: string, surrogates: readonly string[]) => void;

  constructor(file: string) {
    this.db = openDataDirSqlite(
      file,
      (db) => {
        refuseNewer(db);
        db.exec(`
          CREATE TABLE IF NOT EXISTS vault_originals_v1 (surrogate TEXT PRIMARY KEY, original TEXT NOT NULL) WITHOUT ROWID;
          CREATE TABLE IF NOT EXISTS vault_links_v1 (value_key TEXT PRIMARY KEY, surrogate TEXT NOT NULL) WITHOUT ROWID;
          CREATE TABLE IF NOT EXISTS vault_grants_v1 (scope TEXT NOT NULL, surrogate TEXT NOT NULL, PRIMARY KEY (scope, surrogate)) WITHOUT ROWID;
        `);
      },
      // `file is not a database` alone does not say which of the data dir's databases it is.
      (err) =>
        new Error(
          `the surrogate vault ${file} cannot be opened: ${err.message} ` +
            '(moving it aside starts an empty vault: values then get their surrogates afresh)',
          { cause: err },
        ),
    );
    this.getOriginal = this.db.prepare('SELECT original FROM vault_originals_v1 WHERE surrogate = ?');
    this.getLink = this.db.prepare('SELECT surrogate FROM vault_links_v1 WHERE value_key = ?');
    this.getAny = this.db.prepare('SELECT original FROM vault_originals_v1 LIMIT 1');
    this.insertOriginal = this.db.prepare(
      'INSERT OR IGNORE INTO vault_originals_v1 (surrogate, original) VALUES (?, ?)',
    );
    this.insertLink = this.db.prepare(
      'INSERT OR IGNORE INTO vault_links_v1 (value_key, surrogate) VALUES (?, ?)',
    );
    // IMMEDIATE: take the write lock first, so two processes on one file cannot both claim.
    const tx = this.db.transaction((surrogate: string, original: string, valueKey?: string) => {
      if (valueKey !== undefined) {
        const linked = this.getLink.get(valueKey);
        if (linked) return linked.surrogate;
      }
      const existing = this.getOriginal.get(surrogate);
      if (existing && existing.original !== original) return undefined;
      if (!existing) this.insertOriginal.run(surrogate, original);
      if (valueKey !== undefined) this.insertLink.run(valueKey, surrogate);
      return surrogate;
    });
    this.claimTx = (s, o, k) => tx.immediate(s, o, k);
    this.getGrant = this.db.prepare('SELECT 1 AS one FROM vault_grants_v1 WHERE scope = ? AND surrogate = ?');
    const insertGrant = this.db.prepare(
      'INSERT OR IGNORE INTO vault_grants_v1 (scope, surrogate) VALUES (?, ?)',
    );
    this.grantTx = this.db.transaction((scope: string, surrogates: readonly string[]) => {
      for (const surrogate of surrogates) insertGrant.run(scope, surrogate);
    });
  }

  grant(scope: string, surrogates: readonly string[]): Promise<void> {
    try {
      this.grantTx(scope, surrogates);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  isGranted(scope: string, surrogate: string): Promise<boolean> {
    return Promise.resolve(this.getGrant.get(scope, surrogate) !== undefined);
  }

  surrogateOf(valueKey: string): Promise<string | undefined> {
    return Promise.resolve(this.getLink.get(valueKey)?.surrogate);
  }

  originalOf(surrogate: string): Promise<string | undefined> {
    return Promise.resolve(this.getOriginal.get(surrogate)?.original);
  }

  anyOriginal(): Promise<string | undefined> {
    return Promise.resolve(this.getAny.get()?.original);
  }

  claim(surrogate: string, original: string, valueKey?: string): Promise<string | undefined> {
    try {
      return Promise.resolve(this.claimTx(surrogate, original, valueKey));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  entriesInClear(limit: number): Promise<{ surrogate: string; original: string }[]> {
    return Promise.resolve(
      this.db
        .prepare(`SELECT surrogate, original FROM vault_originals_v1 WHERE ${IN_CLEAR} LIMIT ?`)
        .all(limit) as { surrogate: string; original: string }[],
    );
  }

  sealInClear(seal: (original: string) => string): Promise<number> {
    const select = this.db.prepare(`SELECT surrogate, original FROM vault_originals_v1 WHERE ${IN_CLEAR}`);
    const update = this.db.prepare(
      'UPDATE vault_originals_v1 SET original = ? WHERE surrogate = ? AND original = ?',
    );
    // IMMEDIATE, as a claim: another gateway on the file reads either all in clear or all sealed.
    const tx = this.db.transaction(() => {
      let n = 0;
      for (const row of select.all() as { surrogate: string; original: string }[])
        n += update.run(seal(row.original), row.surrogate, row.original).changes;
      return n;
    });
    // The old text must not stay in the file's free space (secure_delete overwrites it) nor in
    // its pages until some later checkpoint (one now writes the new ones over them).
    const secureDelete = this.db.pragma('secure_delete', { simple: true }) as number;
    try {
      this.db.pragma('secure_delete = ON');
      const n = tx.immediate();
      if (n > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve(n);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.db.pragma(`secure_delete = ${secureDelete}`);
    }
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/**
 * A vault.db written by a newer Airlock is refused, not used: tables of a later layout mean that
 * the choices made since are not in the v1 tables, so this build would give values surrogates
 * that a newer one gave to others; an entry sealed in a later format cannot be opened.
 */
function refuseNewer(db: Database.Database): void {
  refuseNewerLayout(db, 'vault', LAYOUT);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  const known = tables.some((t) => t.name === 'vault_originals_v1');
  const sealed = known
    ? (db
        .prepare(
          "SELECT original FROM vault_originals_v1 WHERE original GLOB 'sealed:v[0-9]*:*' AND original NOT GLOB ? LIMIT 1",
        )
        .get(`${SEAL_PREFIX}*`) as { original: string } | undefined)
    : undefined;
  const version = sealed && newerSeal(sealed.original);
  if (version !== undefined) {
    throw new Error(
      `it was written by a newer Airlock (entries sealed as ${version}; this one opens ${SEAL_VERSION}): ` +
        'run that version or a newer one',
    );
  }
}
