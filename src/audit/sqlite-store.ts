/**
 * The embedded audit store: one SQLite file (`<dataDir>/audit.db`) in WAL mode, so readers
 * (`airlock audit tail`, the dashboard) never block the writer. synchronous=NORMAL is enough:
 * in WAL mode it loses no committed transaction on a process crash, and the recorder's spool
 * covers what is not yet committed.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BoundedMemo } from '../bounded-memo.js';
import { AuditStoreError, errorText, newerSchemaMessage } from './errors.js';
import { createPrivateFile } from '../private-file.js';
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import {
  anchorsOf,
  changedEvents,
  EVENT_COLUMNS,
  getEvent,
  eventPageQuery,
  num,
  queryEvents,
  storeRow,
  type SqlRow,
  type SqlRunner,
  type SqlTables,
} from './sql-reader.js';
import { eventStats, RollupCounter } from './sql-stats.js';
import type {
  AuditChanges,
  AuditFilter,
  AuditPage,
  AuditStats,
  AuditStore,
  ChainAnchor,
  ChainRow,
} from './store.js';
import type { StatsOptions, StoredDoc, StoredRange, TimeRange } from './store.js';
import type { AuditEvent, SealedEvent } from './types.js';
import { SPOOL_DOC_START } from './chain.js';
import { verifyRows, type VerifyOptions, type VerifyReport } from './verify.js';

export interface SqliteStoreOptions {
  path: string;
  /**
   * Refuse to create the file, and migrate nothing (the CLI reads an existing log; it must not
   * make an empty one, nor change one a gateway of another version writes).
   */
  mustExist?: boolean;
  /**
   * `NORMAL` (default): a process crash loses no commit, a power loss may undo the last ones.
   * `FULL`: commits survive a power loss too, at one more disk flush per batch.
   */
  synchronous?: 'NORMAL' | 'FULL';
}

const TABLES: SqlTables = {
  events: 'audit_events',
  findings: 'audit_findings',
  anchors: 'audit_anchors',
  rollup: 'audit_rollup',
};
const STATEMENT_CACHE_MAX = 200;
const FINDINGS_PER_INSERT = 32;

/**
 * A batch as the SQLite writer inserts it: per event its indexed columns (eventColumns,
 * EVENT_COLUMN_COUNT of them), its finding rows flattened (rule, category, severity, action, n;
 * findingRows) and its document's UTF-8 bytes, all in flat arrays and one byte buffer, so that
 * it crosses to the writer thread as a few cheap copies (no object per event, no string to
 * encode again) and the writer never parses a document. The recorder's events bring their
 * document bytes already encoded (their spool line); others are encoded here.
 */
export interface RowBatch {
  columns: (string | number | null)[];
  /** Flattened finding rows of every event; `findingEnds[i]` is where event i's rows end. */
  findings: (string | number)[];
  findingEnds: number[];
  docs: Uint8Array;
  /** `docEnds[i]` is where event i's document ends in `docs` (the previous one's end starts it). */
  docEnds: number[];
}

const EVENT_COLUMN_COUNT = 13;

export function rowBatch(batch: readonly SealedEvent[]): RowBatch {
  const columns: (string | number | null)[] = [];
  const findings: (string | number)[] = [];
  const findingEnds: number[] = [];
  const docEnds: number[] = [];
  let size = 0;
  for (const sealed of batch) {
    const line = sealed.line;
    size += line ? line.length - SPOOL_DOC_START - 2 : Buffer.byteLength(sealed.doc);
    docEnds.push(size);
  }
  // Its own memory (not the shared pool of small buffers): the clone copies the whole of it.
  const docs = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const sealed of batch) {
    const { line } = sealed;
    const row = storeRow(sealed);
    for (const value of row.columns) columns.push(value);
    for (const finding of row.findings) for (const value of finding) findings.push(value);
    findingEnds.push(findings.length);
    if (line) at += line.copy(docs, at, SPOOL_DOC_START, line.length - 2);
    else at += docs.write(sealed.doc, at, 'utf8');
  }
  return { columns, findings, findingEnds, docs, docEnds };
}

export class SqliteAuditStore implements AuditStore {
  readonly kind = 'sqlite';
  readonly location: string;
  private readonly options: SqliteStoreOptions;
  private db: Database.Database | undefined;
  private readonly statements = new BoundedMemo<string, Database.Statement>(STATEMENT_CACHE_MAX);
  private readonly runner: SqlRunner = {
    param: () => '?',
    intParam: () => '?',
    all: async (sql, params) => {
      try {
        return this.statement(sql).all(...params) as SqlRow[];
      } catch (err) {
        throw corruptError(err, this.location) ?? err;
      }
    },
  };

  constructor(options: SqliteStoreOptions) {
    this.options = options;
    this.location = options.path;
  }

  async init(): Promise<void> {
    this.open();
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    const path = this.options.path;
    if (this.options.mustExist && path !== ':memory:' && !existsSync(path)) {
      throw new AuditStoreError(
        'missing',
        path,
        `no SQLite audit database at ${path} (nothing recorded yet, or the wrong --data-dir / --store)`,
      );
    }
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:' && !this.options.mustExist) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        // Created here with 0600, not by SQLite with 0644 (less the umask). An existing file
        // keeps its own mode, and is not opened (see createPrivateFile).
        createPrivateFile(path);
      }
      db = new Database(path, { fileMustExist: this.options.mustExist ?? false });
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      // Reads (verify, export, the dashboard) walk the whole file: map it instead of copying
      // every page through SQLite's small default cache.
      db.pragma('mmap_size = 1073741824');
      db.pragma('cache_size = -32768');
      if (this.options.mustExist) checkTables(db, path);
      else migrate(db);
    } catch (err) {
      db?.close();
      if (err instanceof AuditStoreError) throw err;
      const corrupt = corruptError(err, path);
      if (corrupt) throw corrupt;
      if (path !== ':memory:' && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
        throw new AuditStoreError(
          'failed',
          path,
          `the SQLite audit store ${path} is a directory, not a file: name a file (sqlite:${join(path, 'audit.db')})`,
          { cause: err },
        );
      }
      throw new AuditStoreError(
        'failed',
        path,
        `cannot open the SQLite audit database at ${path}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    }
    this.db = db;
    return db;
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.open().prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async append(batch: readonly SealedEvent[]): Promise<void> {
    this.appendRows(rowBatch(batch));
  }

  /** What append does, from rows made elsewhere (the writer thread gets them from the gateway's). */
  appendRows(batch: RowBatch): void {
    try {
      this.insertRows(batch);
    } catch (err) {
      throw corruptError(err, this.location) ?? err;
    }
  }

  private insertRows(batch: RowBatch): void {
    const count = batch.docEnds.length;
    if (count === 0) return;
    const db = this.open();
    // The document arrives as UTF-8 bytes; CAST stores them as the TEXT they are (the database
    // is UTF-8, so the bytes are kept as they are, and a string is stored unchanged).
    const insertEvent = this.statement(
      `INSERT INTO audit_events (${EVENT_COLUMNS}) VALUES (${'?, '.repeat(EVENT_COLUMN_COUNT)}CAST(? AS TEXT)) ` +
        'ON CONFLICT (id) DO NOTHING',
    );
    const { columns: cols, findings: values, findingEnds, docs, docEnds } = batch;
    const docBytes = Buffer.from(docs.buffer, docs.byteOffset, docs.byteLength);
    const addRollup = this.statement(
      'INSERT INTO audit_rollup (minute, dim, key, n) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (minute, dim, key) DO UPDATE SET n = n + excluded.n',
    );
    db.transaction(() => {
      const rollup = new RollupCounter();
      // A real request's event has a dozen findings or more, most of them the same rule at
      // other places: one row per distinct rule (findingRows), in multi-row inserts of
      // FINDINGS_PER_INSERT rows.
      const findings: unknown[] = [];
      for (let e = 0; e < count; e++) {
        const columns = cols.slice(e * EVENT_COLUMN_COUNT, (e + 1) * EVENT_COLUMN_COUNT);
        const doc = docBytes.subarray(e === 0 ? 0 : docEnds[e - 1], docEnds[e]);
        const info = insertEvent.run(...columns, doc);
        if (info.changes === 0) continue; // already stored: a replayed batch
        const ts = rollup.eventRow(columns);
        for (let i = e === 0 ? 0 : findingEnds[e - 1]!; i < findingEnds[e]!; i += 5) {
          const [ruleId, category, severity, action, n] = values.slice(i, i + 5) as [
            string,
            string,
            string,
            string,
            number,
          ];
          rollup.findings(ts, category, ruleId, n);
          findings.push(info.lastInsertRowid, ts, ruleId, category, severity, action, n);
          if (findings.length === FINDINGS_PER_INSERT * 7) {
            this.insertFindings(FINDINGS_PER_INSERT).run(...findings);
            findings.length = 0;
          }
        }
      }
      if (findings.length) this.insertFindings(findings.length / 7).run(...findings);
      const [minutes, dims, keys, counts] = rollup.columns();
      for (let i = 0; i < minutes.length; i++) addRollup.run(minutes[i], dims[i], keys[i], counts[i]);
    })();
  }

  private insertFindings(rows: number): Database.Statement {
    return this.statement(
      'INSERT INTO audit_findings (event_row, ts, rule_id, category, severity, action, n) VALUES ' +
        Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', '),
    );
  }

  async query(filter?: AuditFilter): Promise<AuditPage> {
    return queryEvents(this.runner, TABLES, filter);
  }

  async get(id: string): Promise<AuditEvent | undefined> {
    return getEvent(this.runner, TABLES, id);
  }

  async stats(range: TimeRange, options: StatsOptions): Promise<AuditStats> {
    return eventStats(this.runner, TABLES, range, options);
  }

  async changes(cursor: string | undefined, limit?: number): Promise<AuditChanges> {
    return changedEvents(this.runner, TABLES, cursor, limit);
  }

  /**
   * One statement iterated in index order, handed on in batches of a thousand rows, so that a
   * row is checked and dropped while young: in batches of ten thousand (7 MB of documents) the
   * rows lived long enough to be copied and promoted by the garbage collector, which doubled
   * what a verify pass cost.
   */
  async *chainRows(batchSize = 1000): AsyncIterable<ChainRow[]> {
    const stmt = this.open()
      .prepare('SELECT row_id, id, instance, seq, ts, hash, doc FROM audit_events ORDER BY instance, seq')
      .raw(true);
    let batch: ChainRow[] = [];
    const rows = stmt.iterate() as IterableIterator<[number, string, string, number, number, string, string]>;
    for (;;) {
      let next: IteratorResult<[number, string, string, number, number, string, string]>;
      try {
        next = rows.next();
      } catch (err) {
        // A damaged page met halfway through a verify: the file is damaged, which is not a
        // finding about the chain (no row can be named), so it is the store error it is.
        throw corruptError(err, this.location) ?? err;
      }
      if (next.done) break;
      const r = next.value;
      batch.push({ row: r[0], id: r[1], instance: r[2], seq: r[3], ts: r[4], hash: r[5], doc: r[6] });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  /**
   * The events of a time range as stored, oldest first, in keyset pages: each page a short read
   * rather than one snapshot held for a whole export (the WAL could not be checkpointed past it
   * while a gateway writes). Documents come as their bytes (CAST AS BLOB), not decoded.
   */
  async *storedDocs(range: StoredRange, batchSize = 2000): AsyncIterable<StoredDoc[]> {
    let after: [number, string] | undefined;
    for (;;) {
      const { sql, values } = eventPageQuery(
        this.runner,
        TABLES,
        range,
        after,
        false,
        batchSize,
        'CAST(e.doc AS BLOB)',
      );
      const rows = await this.runner.all(sql, values);
      if (rows.length > 0) yield rows.map((r) => ({ hash: String(r.hash), doc: r.doc as Buffer }));
      const last = rows[rows.length - 1];
      if (rows.length < batchSize || !last) return;
      after = [num(last.ts), String(last.id)];
    }
  }

  async anchors(): Promise<ChainAnchor[]> {
    return anchorsOf(this.runner, TABLES);
  }

  async verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyRows(this.chainRows(), await this.anchors(), options);
  }

  async prune(before: Date): Promise<number> {
    try {
      return this.pruneRows(before);
    } catch (err) {
      throw corruptError(err, this.location) ?? err;
    }
  }

  private pruneRows(before: Date): number {
    const db = this.open();
    return db.transaction(() => {
      let deleted = 0;
      // The chain is cut after its longest run of events older than `before`: `ts` is when a
      // request came, `seq` the order its record was made in, so a long request's event can
      // follow younger ones, which must not go with it.
      const cutoffs = db
        .prepare(
          'SELECT instance, COALESCE((SELECT MIN(y.seq) - 1 FROM audit_events y WHERE y.instance = x.instance AND y.ts >= ?), MAX(seq)) AS seq ' +
            'FROM audit_events x WHERE ts < ? GROUP BY instance',
        )
        .all(before.getTime(), before.getTime()) as { instance: string; seq: number }[];
      for (const { instance, seq } of cutoffs) {
        const head = db
          .prepare('SELECT hash FROM audit_events WHERE instance = ? AND seq = ?')
          .get(instance, seq) as { hash: string } | undefined;
        if (!head) continue;
        db.prepare(
          'DELETE FROM audit_findings WHERE event_row IN (SELECT row_id FROM audit_events WHERE instance = ? AND seq <= ?)',
        ).run(instance, seq);
        deleted += db
          .prepare('DELETE FROM audit_events WHERE instance = ? AND seq <= ?')
          .run(instance, seq).changes;
        db.prepare(
          'INSERT INTO audit_anchors (instance, seq, hash, pruned_at) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT (instance) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at ' +
            'WHERE excluded.seq > audit_anchors.seq',
        ).run(instance, seq, head.hash, Date.now());
      }
      db.prepare('DELETE FROM audit_rollup WHERE minute < ?').run(Math.floor(before.getTime() / 60_000));
      return deleted;
    })();
  }

  /** Direct access for tests and tools that must tamper with or inspect the file. */
  database(): Database.Database {
    return this.open();
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }
}

/**
 * SQLite's word that the file is damaged (a page garbled, the file cut short or not a database),
 * at open or at any later read or write (open reads only the first pages), as the store error
 * that names the file and what to do; undefined for any other error.
 */
function corruptError(err: unknown, path: string): AuditStoreError | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !/^SQLITE_(?:CORRUPT|NOTADB)/.test(code)) return undefined;
  return new AuditStoreError(
    'corrupt',
    path,
    `the SQLite audit database at ${path} is corrupt or not a database (${errorText(err)}); ` +
      'move it aside to start a new log, and keep it for investigation',
    { cause: err },
  );
}

/**
 * What a reader needs instead of a migration: an Airlock audit log, not written by a newer
 * Airlock. An older one is read as it is (readers use the columns of the first version).
 */
function checkTables(db: Database.Database, path: string): void {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('audit_events', 'audit_schema_version')",
    )
    .all() as { name: string }[];
  if (tables.length < 2) {
    throw new AuditStoreError(
      'missing',
      path,
      `no audit log in the SQLite database at ${path} (it holds no Airlock audit tables: the wrong --data-dir / --store?)`,
    );
  }
  const row = db.prepare('SELECT version FROM audit_schema_version').get() as { version: number } | undefined;
  if ((row?.version ?? 0) > SQLITE_MIGRATIONS.length) {
    throw new Error(newerSchemaMessage(row?.version ?? 0, SQLITE_MIGRATIONS.length));
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS audit_schema_version (version INTEGER NOT NULL)');
  db.transaction(() => {
    const row = db.prepare('SELECT version FROM audit_schema_version').get() as
      { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > SQLITE_MIGRATIONS.length) {
      throw new Error(newerSchemaMessage(current, SQLITE_MIGRATIONS.length));
    }
    for (let v = current; v < SQLITE_MIGRATIONS.length; v++) db.exec(SQLITE_MIGRATIONS[v] ?? '');
    if (!row)
      db.prepare('INSERT INTO audit_schema_version (version) VALUES (?)').run(SQLITE_MIGRATIONS.length);
    else if (current < SQLITE_MIGRATIONS.length) {
      db.prepare('UPDATE audit_schema_version SET version = ?').run(SQLITE_MIGRATIONS.length);
    }
  }).immediate();
}
