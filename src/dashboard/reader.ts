/**
 * What the dashboard reads from the audit store, and where. better-sqlite3 is synchronous: an
 * overview aggregate over 100,000 events run on the gateway's thread would hold up every
 * request in flight for its whole duration. So for a SQLite file the dashboard reads through a
 * worker thread with its own connection; PostgreSQL queries are network I/O already and run
 * in place.
 */
import { Worker } from 'node:worker_threads';
import type { AuditStore } from '../audit/store.js';

export type DashboardStore = Pick<AuditStore, 'query' | 'get' | 'stats' | 'changes'>;

export type ReaderRequest = { id: number } & (
  | { method: 'query'; args: Parameters<AuditStore['query']> }
  | { method: 'get'; args: Parameters<AuditStore['get']> }
  | { method: 'stats'; args: Parameters<AuditStore['stats']> }
  | { method: 'changes'; args: Parameters<AuditStore['changes']> }
);

export type ReaderResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export interface DashboardReader extends DashboardStore {
  /** Starts the thread and opens the database now, so the first page does not wait for it. */
  warm(): void;
  close(): Promise<void>;
}

/**
 * Starts the worker. From TypeScript sources (tests, `tsx`), the worker loads tsx first: a
 * worker thread does not inherit the parent's module loader hooks.
 */
function startWorker(path: string): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource)
    return new Worker(new URL('./reader-worker.js', import.meta.url), { workerData: { path } });
  const script = new URL('./reader-worker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`,
    { eval: true, workerData: { path } },
  );
}

class WorkerReader implements DashboardReader {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly path: string) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.path);
    // An idle reader must not keep the process alive; requests in flight do (see call()).
    worker.unref();
    worker.on('message', (res: ReaderResponse) => {
      const waiter = this.pending.get(res.id);
      if (!waiter) return;
      this.pending.delete(res.id);
      if (this.pending.size === 0) worker.unref();
      if (res.ok) waiter.resolve(res.value);
      else waiter.reject(new Error(res.message));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`dashboard reader stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private call<T>(req: Omit<ReaderRequest, 'id'>): Promise<T> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  warm(): void {
    this.get('').catch(() => {
      // a failure shows on the first real query
    });
  }

  query(...args: Parameters<AuditStore['query']>) {
    return this.call<Awaited<ReturnType<AuditStore['query']>>>({ method: 'query', args });
  }

  get(...args: Parameters<AuditStore['get']>) {
    return this.call<Awaited<ReturnType<AuditStore['get']>>>({ method: 'get', args });
  }

  stats(...args: Parameters<AuditStore['stats']>) {
    return this.call<Awaited<ReturnType<AuditStore['stats']>>>({ method: 'stats', args });
  }

  changes(...args: Parameters<AuditStore['changes']>) {
    return this.call<Awaited<ReturnType<AuditStore['changes']>>>({ method: 'changes', args });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}

/** A reader for the dashboard: a worker thread for a SQLite file, the store itself otherwise. */
export function openDashboardReader(store: AuditStore): DashboardReader {
  if (store.kind === 'sqlite' && store.location !== ':memory:') return new WorkerReader(store.location);
  return {
    query: (filter) => store.query(filter),
    get: (id) => store.get(id),
    stats: (range, options) => store.stats(range, options),
    changes: (cursor, limit) => store.changes(cursor, limit),
    warm: () => {},
    close: async () => {},
  };
}
