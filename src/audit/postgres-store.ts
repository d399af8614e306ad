/**
 * The team audit store: PostgreSQL, shared by several gateways (each writes its own instance
 * chain). Configured as `audit: postgres://user@host:5432/db?schema=airlock`; the optional
 * `schema` parameter puts the tables in their own schema. Batches are inserted with one
 * `unnest` statement per table, so a 256-event batch costs two round trips.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { withinMs } from '../deadline.js';
import { AuditStoreError, errorText, isStoreUnreachable, newerSchemaMessage, redactUrl } from './errors.js';
import { deniedError, isPermissionDenied, type StoreTask } from './postgres-denied.js';
import { SCHEMA_NAME } from './store-spec.js';
import { parseStoreUrl, storeUrlText } from './store-url.js';
import { BinaryCopyDecoder, type CopyColumn, type CopyValue } from './pg-binary-copy.js';
import { postgresMigrations } from './postgres-schema.js';
import {
  anchorsOf,
  changedEvents,
  COLUMN,
  EVENT_COLUMNS,
  getEvent,
  queryEvents,
  storeRow,
  type SqlRow,
  type SqlRunner,
  type SqlTables,
} from './sql-reader.js';
import { eventStats, rollupDeltas } from './sql-stats.js';
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
import type { AuditEvent, SealedEvent, StoreRow } from './types.js';
import { verifyRows, type VerifyOptions, type VerifyReport } from './verify.js';

export interface PostgresStoreOptions {
  /** `postgres://...`; a `schema` query parameter selects the schema (default: search_path). */
  url: string;
  /** Overrides the URL's `schema` parameter. */
  schema?: string;
  /**
   * For reading tools (verify, export, tail): create and migrate nothing. init() checks that the
   * tables are there instead, and fails with a clear AuditStoreError (`missing`) when they are
   * not (a mistyped `?schema=`, the wrong database); a role with only SELECT can read.
   */
  readOnly?: boolean;
  poolSize?: number;
  connectTimeoutMs?: number;
  /**
   * A read of the dashboard, `audit tail` or `audit export` (each a bounded page) that gets no
   * answer for this long fails (default 30 s), and its connection is dropped: a server that
   * stalls (a lock held, a host that stopped answering) must not hold them forever. The long
   * streams of `verify` and `export` fail when the server sends nothing for this long (time the
   * caller spends on what it was sent does not count). Appends have the recorder's own bound.
   */
  readTimeoutMs?: number;
  /**
   * A statement of an append that gets no answer for this long fails (default 30 s) and its
   * connection is dropped, so that the recorder spools and retries on a connection that works
   * instead of the pool filling with statements a stalled server never answers.
   */
  writeTimeoutMs?: number;
  /**
   * The same for each statement of a migration or a retention run (default 10 minutes: they may
   * rewrite or delete a large backlog). A run that fails is rolled back and tried again later.
   */
  maintenanceTimeoutMs?: number;
}

/** A transaction's connection, each statement bounded in time. */
interface BoundedClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** A statement the server did not answer in time: its connection is dropped, not reused. */
class StoreTimeout extends Error {}

const EVENT_TYPES = [
  'text',
  'text',
  'bigint',
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'int',
  'int',
  'text',
  'text',
];
const FINDING_TYPES = ['bigint', 'bigint', 'text', 'text', 'text', 'text', 'int'];

const CHAIN_COLUMNS: readonly CopyColumn[] = ['int8', 'text', 'text', 'int8', 'int8', 'text', 'text'];

function chainRow(v: CopyValue[]): ChainRow {
  return {
    row: v[0] as number,
    id: v[1] as string,
    instance: v[2] as string,
    seq: v[3] as number,
    ts: v[4] as number,
    hash: v[5] as string,
    doc: v[6] as string,
  };
}

/** A time bound as the integer literal COPY needs (it takes no bind parameters). */
function epochMs(date: Date): string {
  const ms = date.getTime();
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid time bound ${String(date)}`);
  return String(ms);
}

function unnest(types: readonly string[]): string {
  return `unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
}

export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres';
  readonly location: string;
  readonly schema: string | undefined;
  private readonly roleInUrl: string | undefined;
  private readonly pool: pg.Pool;
  private readonly tables: SqlTables;
  private ready: Promise<void> | undefined;
  private readonly readOnly: boolean;
  private readonly runner: SqlRunner = {
    param: (i) => `$${i}`,
    intParam: (i) => `$${i}::bigint`,
    all: async (sql, params) => {
      await this.init();
      try {
        return (await this.bounded(this.pool, 'a read', this.readTimeoutMs, sql, params as unknown[]))
          .rows as SqlRow[];
      } catch (err) {
        throw await this.explained(err, 'read');
      }
    },
  };
  private readonly readTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly maintenanceTimeoutMs: number;

  constructor(options: PostgresStoreOptions) {
    const url = parseStoreUrl(options.url);
    const schema = options.schema ?? url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new AuditStoreError(
        'bad-spec',
        redactUrl(options.url),
        `invalid PostgreSQL schema name "${schema}"`,
      );
    }
    this.schema = schema;
    this.roleInUrl = url.username
      ? decodeURIComponent(url.username)
      : (url.searchParams.get('user') ?? undefined);
    this.readOnly = options.readOnly ?? false;
    // Connected without the parameter (pg would send it to the server), shown with it: the
    // schema is part of where the log is.
    const shown = new URL(url);
    if (schema !== undefined) shown.searchParams.set('schema', schema);
    this.location = redactUrl(storeUrlText(shown));
    const prefix = schema ? `"${schema}".` : '';
    this.tables = {
      events: `${prefix}audit_events`,
      findings: `${prefix}audit_findings`,
      anchors: `${prefix}audit_anchors`,
      rollup: `${prefix}audit_rollup`,
    };
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.maintenanceTimeoutMs = options.maintenanceTimeoutMs ?? 600_000;
    this.pool = new pg.Pool({
      connectionString: storeUrlText(url),
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server must not crash the gateway; the next query
    // gets a fresh connection or fails into the recorder's spool.
    this.pool.on('error', () => undefined);
  }

  /**
   * Connects and migrates once (read-only: checks the tables are there); after a failure the
   * next call tries again.
   */
  init(): Promise<void> {
    this.ready ??= (this.readOnly ? this.checkTables() : this.migrate()).catch(async (err: unknown) => {
      this.ready = undefined;
      if (err instanceof AuditStoreError) throw err;
      if (isPermissionDenied(err)) throw await this.explained(err, this.readOnly ? 'read' : 'migrate');
      throw new AuditStoreError(
        'unreachable',
        this.location,
        `cannot use the PostgreSQL audit store at ${this.location}: ${errorText(err)}`,
        { cause: err },
      );
    });
    return this.ready;
  }

  /**
   * A permission error as an AuditStoreError that names the store, `task` and the GRANT that
   * fixes it (postgres-denied.ts); any other error as it is. The role and schema are asked of
   * the server (the connection works: it refused a statement), else taken from the URL.
   */
  private async explained(err: unknown, task: StoreTask): Promise<unknown> {
    if (!isPermissionDenied(err)) return err;
    let role = this.roleInUrl ?? 'the role in the URL';
    let schema = this.schema ?? 'public';
    try {
      const { rows } = await this.bounded<{ role: string; schema: string | null }>(
        this.pool,
        'a read',
        this.readTimeoutMs,
        'SELECT current_user AS role, current_schema() AS schema',
        [],
      );
      role = rows[0]?.role ?? role;
      schema = this.schema ?? rows[0]?.schema ?? schema;
    } catch {
      // The message still names the store and the privilege, with the URL's names.
    }
    return deniedError(err, { location: this.location, role, schema, task });
  }

  /**
   * `sql` on the pool or a checked-out client, failing after `ms` without an answer with an error
   * that names the store, `what` and the bound. query_timeout is per query (pg reads it; its
   * types leave it out): a pool-wide one would also cut verify's long COPY stream.
   */
  private async bounded<R extends pg.QueryResultRow>(
    on: pg.Pool | pg.PoolClient,
    what: string,
    ms: number,
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await (on as pg.Pool).query<R>({
        text: sql,
        values: params,
        query_timeout: ms,
      } as pg.QueryConfig);
    } catch (err) {
      if (!(err instanceof Error) || err.message !== 'Query read timeout') throw err;
      throw new StoreTimeout(
        `the PostgreSQL audit store at ${this.location} did not answer ${what} within ${ms} ms`,
        { cause: err },
      );
    }
  }

  /**
   * What a reader needs instead of a migration: the tables exist, and were not written by a newer
   * Airlock. An older schema is read as it is (readers use the columns of the first version).
   */
  private async checkTables(): Promise<void> {
    const prefix = this.schema ? `"${this.schema}".` : '';
    const { rows } = await this.bounded<{ events: boolean; versioned: boolean }>(
      this.pool,
      'a read',
      this.readTimeoutMs,
      'SELECT to_regclass($1) IS NOT NULL AS events, to_regclass($2) IS NOT NULL AS versioned',
      [this.tables.events, `${prefix}audit_schema_version`],
    );
    if (!rows[0]?.events || !rows[0].versioned) {
      const where = this.schema ? `in schema "${this.schema}" of` : 'in';
      throw new AuditStoreError(
        'missing',
        this.location,
        `no Airlock audit tables ${where} the PostgreSQL database at ${this.location} ` +
          '(nothing recorded yet, or the wrong --store / ?schema=)',
      );
    }
    const version = await this.bounded<{ version: number }>(
      this.pool,
      'a read',
      this.readTimeoutMs,
      `SELECT version FROM ${prefix}audit_schema_version`,
      [],
    );
    const known = postgresMigrations(this.schema).length;
    const current = version.rows[0]?.version ?? 0;
    if (current > known) throw new Error(newerSchemaMessage(current, known));
  }

  private async migrate(): Promise<void> {
    await this.transaction('a migration statement', this.maintenanceTimeoutMs, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('airlock-audit-migrate'))");
      const steps = postgresMigrations(this.schema);
      const versionTable = `${this.schema ? `"${this.schema}".` : ''}audit_schema_version`;
      // CREATE ... IF NOT EXISTS needs the privilege to create even when there is nothing to
      // create: a gateway role given only what writing needs (the tables made by their owner)
      // asks first, and creates only what is missing.
      const exists = await client.query<{ schema: boolean; versioned: boolean }>(
        'SELECT $1::text IS NULL OR to_regnamespace($1) IS NOT NULL AS schema, to_regclass($2) IS NOT NULL AS versioned',
        [this.schema ? `"${this.schema}"` : null, versionTable],
      );
      if (!exists.rows[0]?.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      if (!exists.rows[0]?.versioned)
        await client.query(`CREATE TABLE IF NOT EXISTS ${versionTable} (version int NOT NULL)`);
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${versionTable}`);
      const current = rows[0]?.version ?? 0;
      if (current > steps.length) {
        throw new Error(newerSchemaMessage(current, steps.length));
      }
      for (let v = current; v < steps.length; v++) await client.query(steps[v] ?? '');
      if (rows.length === 0)
        await client.query(`INSERT INTO ${versionTable} (version) VALUES ($1)`, [steps.length]);
      else if (current < steps.length)
        await client.query(`UPDATE ${versionTable} SET version = $1`, [steps.length]);
    });
  }

  /**
   * Runs `fn` in a transaction whose every statement fails after `ms` without an answer (named
   * `what` in the error); the connection of a failed transaction is dropped, not reused.
   */
  private async transaction<T>(
    what: string,
    ms: number,
    fn: (client: BoundedClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error'; unhandled, that would crash the
    // gateway. The failed query rejects as well, which is what the caller acts on.
    const ignore = () => undefined;
    client.on('error', ignore);
    const bound: BoundedClient = {
      query: <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
        this.bounded<R>(client, what, ms, sql, params),
    };
    try {
      await bound.query('BEGIN');
      const result = await fn(bound);
      await bound.query('COMMIT');
      client.removeListener('error', ignore);
      client.release();
      return result;
    } catch (err) {
      // A ROLLBACK would queue behind the statement the server does not answer; dropping the
      // connection ends the transaction on the server all the same.
      if (!(err instanceof StoreTimeout)) await client.query('ROLLBACK').catch(() => undefined);
      // The listener stays: this client is being destroyed and may still emit.
      client.release(err instanceof Error ? err : true);
      throw err;
    }
  }

  async append(batch: readonly SealedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    await this.init();
    try {
      await this.insert(batch);
    } catch (err) {
      throw await this.named(err, 'write');
    }
  }

  /**
   * `err` of `task` with the store named: a permission error with its GRANT (explained), an
   * error of the server or the connection with the store's URL; one that already names it (a
   * timeout, an AuditStoreError) as it is.
   */
  private async named(err: unknown, task: StoreTask): Promise<unknown> {
    if (err instanceof StoreTimeout || err instanceof AuditStoreError) return err;
    if (isPermissionDenied(err)) return this.explained(err, task);
    const doing = task === 'write' ? 'writing events to' : 'a retention run in';
    return new AuditStoreError(
      isStoreUnreachable(err) ? 'unreachable' : 'failed',
      this.location,
      `${doing} the PostgreSQL audit store at ${this.location} failed: ${errorText(err)}`,
      { cause: err },
    );
  }

  /** One batch's rows, findings and rollup counts in one transaction. */
  private async insert(batch: readonly SealedEvent[]): Promise<void> {
    const columns: unknown[][] = EVENT_TYPES.map(() => []);
    const rows = batch.map(storeRow);
    batch.forEach((sealed, e) => {
      const values = [...rows[e]!.columns, sealed.doc];
      values.forEach((v, i) => columns[i]?.push(v));
    });
    await this.transaction('a write', this.writeTimeoutMs, async (client) => {
      const inserted = await client.query<{ row_id: string; id: string }>(
        `INSERT INTO ${this.tables.events} (${EVENT_COLUMNS}) SELECT * FROM ${unnest(EVENT_TYPES)} ` +
          // Only a repeated id (a replay) is skipped: two writers on one (instance, seq) must fail loudly.
          'ON CONFLICT (id) DO NOTHING RETURNING row_id, id',
        columns,
      );
      if (inserted.rows.length === 0) return;
      const rowOf = new Map(inserted.rows.map((r) => [r.id, r.row_id]));
      const findings: unknown[][] = FINDING_TYPES.map(() => []);
      const fresh: StoreRow[] = [];
      for (const row of rows) {
        const rowId = rowOf.get(row.columns[COLUMN.id] as string);
        if (rowId === undefined) continue; // already stored: a replayed batch
        fresh.push(row);
        const ts = row.columns[COLUMN.ts];
        for (const values of row.findings) {
          [rowId, ts, ...values].forEach((v, i) => findings[i]?.push(v));
        }
      }
      if ((findings[0]?.length ?? 0) > 0) {
        await client.query(
          `INSERT INTO ${this.tables.findings} (event_row, ts, rule_id, category, severity, action, n) ` +
            `SELECT * FROM ${unnest(FINDING_TYPES)}`,
          findings,
        );
      }
      await client.query(
        `INSERT INTO ${this.tables.rollup} AS r (minute, dim, key, n) ` +
          `SELECT * FROM ${unnest(['bigint', 'text', 'text', 'bigint'])} ` +
          'ON CONFLICT (minute, dim, key) DO UPDATE SET n = r.n + EXCLUDED.n',
        rollupDeltas(fresh),
      );
    });
  }

  async query(filter?: AuditFilter): Promise<AuditPage> {
    return queryEvents(this.runner, this.tables, filter);
  }

  async get(id: string): Promise<AuditEvent | undefined> {
    return getEvent(this.runner, this.tables, id);
  }

  async stats(range: TimeRange, options: StatsOptions): Promise<AuditStats> {
    return eventStats(this.runner, this.tables, range, options);
  }

  async changes(cursor: string | undefined, limit?: number): Promise<AuditChanges> {
    return changedEvents(this.runner, this.tables, cursor, limit);
  }

  /**
   * Every row in (instance, seq) order, as one binary COPY over one snapshot: pages of
   * `ORDER BY ... LIMIT` cost a round trip and an index descent each, and pg's row objects in
   * large pages outlived the young generation (verify ran at ~70k events/s, ~110k this way).
   */
  chainRows(batchSize = 1000, within?: pg.PoolClient): AsyncIterable<ChainRow[]> {
    return this.copyRows(
      `SELECT row_id, id, instance, seq, ts, hash, doc FROM ${this.tables.events} ORDER BY instance, seq`,
      CHAIN_COLUMNS,
      chainRow,
      batchSize,
      within,
    );
  }

  /**
   * As one binary COPY too (an export read 46k events/s in pages of 1000 through pg's rows).
   * COPY takes no parameters: the bounds are integers checked here, written into the query.
   */
  storedDocs(range: StoredRange, batchSize = 1000): AsyncIterable<StoredDoc[]> {
    const where: string[] = [];
    if (range.since) where.push(`ts >= ${epochMs(range.since)}`);
    if (range.until) where.push(`ts < ${epochMs(range.until)}`);
    return this.copyRows(
      `SELECT hash, doc FROM ${this.tables.events}` +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ' ORDER BY ts, id',
      ['text', 'bytes'],
      (v) => ({ hash: v[0] as string, doc: v[1] as Buffer }),
      batchSize,
    );
  }

  private async *copyRows<T>(
    select: string,
    columns: readonly CopyColumn[],
    toRow: (values: CopyValue[]) => T,
    batchSize: number,
    /** A client in a transaction of the caller's, who releases it; else one of the pool's. */
    within?: pg.PoolClient,
  ): AsyncIterable<T[]> {
    await this.init();
    const client = within ?? (await this.pool.connect());
    const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
    const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let complete = false;
    try {
      const decoder = new BinaryCopyDecoder(columns);
      let batch: T[] = [];
      for (;;) {
        // Bounded while waiting on the server only: what the caller does with a batch is its time.
        const next = await withinMs(
          chunks.next(),
          this.readTimeoutMs,
          () =>
            new Error(
              `the PostgreSQL audit store at ${this.location} sent nothing for ${this.readTimeoutMs} ms while streaming rows`,
            ),
        ).catch(async (err: unknown) => {
          throw await this.explained(err, 'read');
        });
        if (next.done) break;
        for (const values of decoder.push(next.value)) {
          batch.push(toRow(values));
          if (batch.length === batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      decoder.finish();
      if (batch.length) yield batch;
      complete = true;
    } finally {
      // A COPY left half-read (the caller stopped, or it failed) must not go back to the pool.
      if (!complete) stream.destroy();
      // The caller's client goes back (or is dropped, after a half-read COPY) with its transaction.
      if (within === undefined) client.release(!complete);
    }
  }

  async anchors(): Promise<ChainAnchor[]> {
    return anchorsOf(this.runner, this.tables);
  }

  async verify(options?: VerifyOptions): Promise<VerifyReport> {
    // Anchors and rows from one snapshot: a retention run committing between the two reads
    // would show rows pruned past an anchor not yet moved, which reads as rows deleted.
    await this.init();
    const client = await this.pool.connect();
    const ignore = () => undefined;
    client.on('error', ignore);
    let clean = false;
    try {
      await this.bounded(
        client,
        'a read',
        this.readTimeoutMs,
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
        [],
      );
      const anchors = await anchorsOf(
        {
          ...this.runner,
          all: async (sql, params) => {
            try {
              return (await this.bounded(client, 'a read', this.readTimeoutMs, sql, params as unknown[]))
                .rows as SqlRow[];
            } catch (err) {
              throw await this.explained(err, 'read');
            }
          },
        },
        this.tables,
      );
      const report = await verifyRows(this.chainRows(1000, client), anchors, options);
      await this.bounded(client, 'a read', this.readTimeoutMs, 'COMMIT', []);
      clean = true;
      return report;
    } finally {
      client.removeListener('error', ignore);
      client.release(!clean);
    }
  }

  async prune(before: Date): Promise<number> {
    await this.init();
    try {
      return await this.pruneRows(before);
    } catch (err) {
      throw await this.named(err, 'prune');
    }
  }

  private async pruneRows(before: Date): Promise<number> {
    const { events, findings, anchors } = this.tables;
    return this.transaction('a retention statement', this.maintenanceTimeoutMs, async (client) => {
      // One retention run at a time per table (gateways sharing a log start theirs together):
      // two at once each chose its cut before the other's deletes, and the later commit moved
      // the anchor back behind rows already gone, which verify reads as rows deleted.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `airlock-audit-prune ${this.tables.events}`,
      ]);
      let deleted = 0;
      // Cut after the longest run of events older than `before` (see SqliteAuditStore.prune).
      const cutoffs = await client.query<{ instance: string; seq: string }>(
        `SELECT instance, COALESCE((SELECT MIN(y.seq) - 1 FROM ${events} y WHERE y.instance = x.instance AND y.ts >= $1::bigint), MAX(seq)) AS seq ` +
          `FROM ${events} x WHERE ts < $1::bigint GROUP BY instance`,
        [before.getTime()],
      );
      for (const { instance, seq } of cutoffs.rows) {
        const head = await client.query<{ hash: string }>(
          `SELECT hash FROM ${events} WHERE instance = $1 AND seq = $2::bigint`,
          [instance, seq],
        );
        const hash = head.rows[0]?.hash;
        if (hash === undefined) continue;
        await client.query(
          `DELETE FROM ${findings} WHERE event_row IN ` +
            `(SELECT row_id FROM ${events} WHERE instance = $1 AND seq <= $2::bigint)`,
          [instance, seq],
        );
        const result = await client.query(`DELETE FROM ${events} WHERE instance = $1 AND seq <= $2::bigint`, [
          instance,
          seq,
        ]);
        deleted += result.rowCount ?? 0;
        await client.query(
          `INSERT INTO ${anchors} (instance, seq, hash, pruned_at) VALUES ($1, $2::bigint, $3, $4::bigint) ` +
            'ON CONFLICT (instance) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at ' +
            `WHERE excluded.seq > ${anchors}.seq`,
          [instance, seq, hash, Date.now()],
        );
      }
      await client.query(`DELETE FROM ${this.tables.rollup} WHERE minute < $1::bigint`, [
        Math.floor(before.getTime() / 60_000),
      ]);
      return deleted;
    });
  }

  /** Runs raw SQL (tests tamper with rows through it; tools inspect). */
  async sql(text: string, params: unknown[] = []): Promise<SqlRow[]> {
    return (await this.pool.query(text, params)).rows as SqlRow[];
  }

  /** Table names as used in SQL, schema-qualified when a schema is set. */
  tableNames(): SqlTables {
    return { ...this.tables };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
