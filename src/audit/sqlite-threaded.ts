/**
 * SQLite with its writes on a worker thread: the default file store (openAuditStore). Reads
 * (tail, export, verify, the CLI) use a connection on the calling thread and never start the
 * worker; appends and retention go to a worker with its own connection (WAL lets both work at
 * once), so a batch costs the gateway's event loop one postMessage instead of the inserts. A
 * real request's event (15 findings, a 4 KB document) cost 60-100 µs of inserts inline. The
 * batch is sent as flat rows and the documents' bytes (sqlite-store.ts RowBatch), so the worker
 * neither parses a document again (about 15 µs each) nor encodes one.
 * See bench/audit-cost.ts and bench/audit-record.ts.
 */
import { startModuleWorker, WorkerRpc, type WorkerResponse } from '../worker-rpc.js';
import { rowBatch, SqliteAuditStore, type RowBatch, type SqliteStoreOptions } from './sqlite-store.js';
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
import type { VerifyOptions, VerifyReport } from './verify.js';

type WriterCall = { op: 'append'; rows: RowBatch } | { op: 'prune'; before: number } | { op: 'synchronous' };

export type WriterRequest = WriterCall & { id: number };

export type WriterResponse = WorkerResponse<number>;

export interface WriterData {
  path: string;
  synchronous?: SqliteStoreOptions['synchronous'];
}

export class ThreadedSqliteStore implements AuditStore {
  readonly kind = 'sqlite';
  readonly location: string;
  private readonly reader: SqliteAuditStore;
  private readonly writer: WorkerRpc<WriterCall, number>;

  constructor(options: SqliteStoreOptions) {
    this.reader = new SqliteAuditStore(options);
    this.location = options.path;
    // The recorder retries rejected appends; the next call starts a fresh worker.
    this.writer = new WorkerRpc(
      () =>
        startModuleWorker(import.meta.url, 'sqlite-writer-worker', {
          path: options.path,
          synchronous: options.synchronous,
        }),
      'SQLite writer thread',
    );
  }

  /** Opens (and migrates) on this thread first, so the worker finds the schema in place. */
  async init(): Promise<void> {
    await this.reader.init();
  }

  async append(batch: readonly SealedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    await this.init();
    await this.writer.call({ op: 'append', rows: rowBatch(batch) });
  }

  async prune(before: Date): Promise<number> {
    await this.init();
    return this.writer.call({ op: 'prune', before: before.getTime() });
  }

  /** The writer connection's `synchronous` setting (1 NORMAL, 2 FULL): it is the one that commits. */
  async writerSynchronous(): Promise<number> {
    await this.init();
    return this.writer.call({ op: 'synchronous' });
  }

  query(filter?: AuditFilter): Promise<AuditPage> {
    return this.reader.query(filter);
  }

  get(id: string): Promise<AuditEvent | undefined> {
    return this.reader.get(id);
  }

  stats(range: TimeRange, options: StatsOptions): Promise<AuditStats> {
    return this.reader.stats(range, options);
  }

  changes(cursor: string | undefined, limit?: number): Promise<AuditChanges> {
    return this.reader.changes(cursor, limit);
  }

  chainRows(batchSize?: number): AsyncIterable<ChainRow[]> {
    return this.reader.chainRows(batchSize);
  }

  storedDocs(range: StoredRange, batchSize?: number): AsyncIterable<StoredDoc[]> {
    return this.reader.storedDocs(range, batchSize);
  }

  anchors(): Promise<ChainAnchor[]> {
    return this.reader.anchors();
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return this.reader.verify(options);
  }

  /** The calling thread's connection (tests tamper through it). */
  database(): ReturnType<SqliteAuditStore['database']> {
    return this.reader.database();
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.reader.close();
  }
}
