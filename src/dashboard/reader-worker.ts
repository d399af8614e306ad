/**
 * Worker thread side of the dashboard's SQLite reader: its own connection to the audit file
 * (WAL lets it read while the gateway writes) answering query / get / stats messages, so a
 * heavy aggregate never stalls the gateway's event loop. See reader.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditStore } from '../audit/sqlite-store.js';
import type { ReaderRequest, ReaderResponse } from './reader.js';

const { path } = workerData as { path: string };
const store = new SqliteAuditStore({ path });

async function answer(req: ReaderRequest): Promise<unknown> {
  switch (req.method) {
    case 'query':
      return store.query(...req.args);
    case 'get':
      return store.get(...req.args);
    case 'stats':
      return store.stats(...req.args);
    case 'changes':
      return store.changes(...req.args);
  }
}

parentPort?.on('message', (req: ReaderRequest) => {
  answer(req).then(
    (value) => parentPort?.postMessage({ id: req.id, ok: true, value } satisfies ReaderResponse),
    (err: unknown) =>
      parentPort?.postMessage({
        id: req.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies ReaderResponse),
  );
});
