/**
 * The team audit store: PostgreSQL, shared by several gateways (each writes its own instance
 * chain). Configured as `audit: postgres://user@host:5432/db?schema=airlock`; the optional
 * `schema` parameter puts the tables in their own schema. Batches are inserted with one
 * `unnest` statement per table, so a 256-event batch costs two round trips.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { AuditStoreError, errorText, redactUrl } from './errors.js';
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
  poolSize?: number;
  connectTimeoutMs?: number;
  /**
   * A read of the dashboard, `audit tail` or `audit export` (each a bounded page) that gets no
   * answer for this long fails (default 30 s), and its connection is dropped: a server that
   * stalls (a lock held, a host that stopped answering) must not hold them forever. Appends
   * have the recorder's own bound; `verify`'s stream and retention have none.
   */
  readTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
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
  private readonly pool: pg.Pool;
  private readonly tables: SqlTables;
  private ready: Promise<void> | undefined;
  private readonly runner: SqlRunner = {
    param: (i) => `$${i}`,
    intParam: (i) => `$${i}::bigint`,
    all: async (sql, params) => {
      await this.init();
      // query_timeout per query (pg reads it; its types leave it out): on a pool-wide one it
      // would also cut verify's long COPY stream.
      const query = { text: sql, values: params as unknown[], query_timeout: this.readTimeoutMs };
      try {
        return (await this.pool.query(query as pg.QueryConfig)).rows as SqlRow[];
      } catch (err) {
        if ((err as Error).message !== 'Query read timeout') throw err;
        throw new Error(
          `the PostgreSQL audit store at ${this.location} did not answer a read within ${this.readTimeoutMs} ms`,
          { cause: err },
        );
      }
    },
  };
  private readonly readTimeoutMs: number;

  constructor(options: PostgresStoreOptions) {
    const url = new URL(options.url);
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
    this.location = redactUrl(url.toString());
    const prefix = schema ? `"${schema}".` : '';
    this.tables = {
      events: `${prefix}audit_events`,
      findings: `${prefix}audit_findings`,
      anchors: `${prefix}audit_anchors`,
      rollup: `${prefix}audit_rollup`,
    };
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.pool = new pg.Pool({
      connectionString: url.toString(),
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server must not crash the gateway; the next query
    // gets a fresh connection or fails into the recorder's spool.
    this.pool.on('error', () => undefined);
  }

  /** Connects and migrates once; after a failure the next call tries again. */
  init(): Promise<void> {
    this.ready ??= this.migrate().catch((err: unknown) => {
      this.ready = undefined;
      throw new AuditStoreError(
        'unreachable',
        this.location,
        `cannot use the PostgreSQL audit store at ${this.location}: ${errorText(err)}`,
        { cause: err },
      );
    });
    return this.ready;
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('airlock-audit-migrate'))");
      const steps = postgresMigrations(this.schema);
      if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      const versionTable = `${this.schema ? `"${this.schema}".` : ''}audit_schema_version`;
      await client.query(`CREATE TABLE IF NOT EXISTS ${versionTable} (version int NOT NULL)`);
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${versionTable}`);
      const current = rows[0]?.version ?? 0;
      if (current > steps.length) {
        throw new Error(`audit schema version ${current} is newer than this Airlock (${steps.length})`);
      }
      for (let v = current; v < steps.length; v++) await client.query(steps[v] ?? '');
      if (rows.length === 0)
        await client.query(`INSERT INTO ${versionTable} (version) VALUES ($1)`, [steps.length]);
      else if (current < steps.length)
        await client.query(`UPDATE ${versionTable} SET version = $1`, [steps.length]);
    });
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error'; unhandled, that would crash the
    // gateway. The failed query rejects as well, which is what the caller acts on.
    const ignore = () => undefined;
    client.on('error', ignore);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.removeListener('error', ignore);
      client.release();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The listener stays: this client is being destroyed and may still emit.
      client.release(err instanceof Error ? err : true);
      throw err;
    }
  }

  async append(batch: readonly SealedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    await this.init();
    const columns: unknown[][] = EVENT_TYPES.map(() => []);
    const rows = batch.map(storeRow);
    batch.forEach((sealed, e) => {
      const values = [...rows[e]!.columns, sealed.doc];
      values.forEach((v, i) => columns[i]?.push(v));
    });
    await this.transaction(async (client) => {
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
  chainRows(batchSize = 1000): AsyncIterable<ChainRow[]> {
    return this.copyRows(
      `SELECT row_id, id, instance, seq, ts, hash, doc FROM ${this.tables.events} ORDER BY instance, seq`,
      CHAIN_COLUMNS,
      chainRow,
      batchSize,
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
  ): AsyncIterable<T[]> {
    await this.init();
    const client = await this.pool.connect();
    const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
    let complete = false;
    try {
      const decoder = new BinaryCopyDecoder(columns);
      let batch: T[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const values of decoder.push(chunk)) {
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
      client.release(!complete);
    }
  }

  async anchors(): Promise<ChainAnchor[]> {
    return anchorsOf(this.runner, this.tables);
  }

  async verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyRows(this.chainRows(), await this.anchors(), options);
  }

  async prune(before: Date): Promise<number> {
    await this.init();
    const { events, findings, anchors } = this.tables;
    return this.transaction(async (client) => {
      let deleted = 0;
      const cutoffs = await client.query<{ instance: string; seq: string }>(
        `SELECT instance, MAX(seq) AS seq FROM ${events} WHERE ts < $1::bigint GROUP BY instance`,
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
            'ON CONFLICT (instance) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at',
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
