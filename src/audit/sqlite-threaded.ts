/**
 * SQLite with its writes on a worker thread (opt-in). Reads (tail, export, verify) use a
 * connection on the calling thread; appends and retention go to a worker with its own
 * connection (WAL lets both work at once), so a batch costs the gateway's event loop one
 * postMessage of strings instead of the inserts. It pays only with a spare core: on the loaded
 * 2-core development machine it saved little event-loop time and cost more CPU in all (the
 * worker parses each document again), so openAuditStore keeps the inline SqliteAuditStore.
 * See bench/audit-record.ts.
 */
import { Worker } from 'node:worker_threads';
import { SqliteAuditStore, type SqliteStoreOptions } from './sqlite-store.js';
import type {
  AuditChanges,
  AuditFilter,
  AuditPage,
  AuditStats,
  AuditStore,
  ChainAnchor,
  ChainRow,
} from './store.js';
import type { StatsOptions, TimeRange } from './store.js';
import type { AuditEvent, SealedEvent } from './types.js';
import type { VerifyReport } from './verify.js';

type WriterCall = { op: 'append'; docs: string[]; hashes: string[] } | { op: 'prune'; before: number };

export type WriterRequest = WriterCall & { id: number };

export type WriterResponse =
  { id: number; ok: true; value: number } | { id: number; ok: false; message: string };

/** From TypeScript sources (tests, tsx) the worker registers tsx first: loader hooks are per thread. */
function startWorker(path: string): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData: { path } });
  }
  const script = new URL('./sqlite-writer-worker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`,
    { eval: true, workerData: { path } },
  );
}

export class ThreadedSqliteStore implements AuditStore {
  readonly kind = 'sqlite';
  readonly location: string;
  private readonly reader: SqliteAuditStore;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();

  constructor(private readonly options: SqliteStoreOptions) {
    this.reader = new SqliteAuditStore(options);
    this.location = options.path;
  }

  /** Opens (and migrates) on this thread first, so the worker finds the schema in place. */
  async init(): Promise<void> {
    await this.reader.init();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.options.path);
    worker.unref(); // idle: must not keep the process alive; requests in flight ref it
    worker.on('message', (res: WriterResponse) => {
      const waiter = this.pending.get(res.id);
      if (!waiter) return;
      this.pending.delete(res.id);
      if (this.pending.size === 0) worker.unref();
      if (res.ok) waiter.resolve(res.value);
      else waiter.reject(new Error(res.message));
    });
    const fail = (err: Error) => {
      // The recorder retries rejected appends; the next call starts a fresh worker.
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`SQLite writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private call(req: WriterCall): Promise<number> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  async append(batch: readonly SealedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    await this.init();
    await this.call({ op: 'append', docs: batch.map((s) => s.doc), hashes: batch.map((s) => s.event.hash) });
  }

  async prune(before: Date): Promise<number> {
    await this.init();
    return this.call({ op: 'prune', before: before.getTime() });
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

  anchors(): Promise<ChainAnchor[]> {
    return this.reader.anchors();
  }

  verify(): Promise<VerifyReport> {
    return this.reader.verify();
  }

  /** The calling thread's connection (tests tamper through it). */
  database(): ReturnType<SqliteAuditStore['database']> {
    return this.reader.database();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    await this.reader.close();
  }
}
