/**
 * What the dashboard reads from the audit store, and where. better-sqlite3 is synchronous: an
 * overview aggregate over 100,000 events run on the gateway's thread would hold up every
 * request in flight for its whole duration. So for a SQLite file the dashboard reads through a
 * worker thread with its own connection; PostgreSQL queries are network I/O already and run
 * in place.
 */
import type { AuditStore } from '../audit/store.js';
import { startModuleWorker, WorkerRpc, type WorkerResponse } from '../worker-rpc.js';

export type DashboardStore = Pick<AuditStore, 'query' | 'get' | 'stats' | 'changes'>;

export type ReaderRequest = { id: number } & (
  | { method: 'query'; args: Parameters<AuditStore['query']> }
  | { method: 'get'; args: Parameters<AuditStore['get']> }
  | { method: 'stats'; args: Parameters<AuditStore['stats']> }
  | { method: 'changes'; args: Parameters<AuditStore['changes']> }
);

export type ReaderResponse = WorkerResponse<unknown>;

export interface DashboardReader extends DashboardStore {
  /** Starts the thread and opens the database now, so the first page does not wait for it. */
  warm(): void;
  close(): Promise<void>;
}

class WorkerReader implements DashboardReader {
  private readonly rpc: WorkerRpc<Omit<ReaderRequest, 'id'>, unknown>;

  constructor(path: string) {
    this.rpc = new WorkerRpc(
      () => startModuleWorker(import.meta.url, 'reader-worker', { path }),
      'dashboard reader',
    );
  }

  private call<T>(req: Omit<ReaderRequest, 'id'>): Promise<T> {
    return this.rpc.call(req) as Promise<T>;
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

  close(): Promise<void> {
    return this.rpc.close();
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
