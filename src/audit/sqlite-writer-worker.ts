/**
 * Worker thread side of ThreadedSqliteStore: its own connection to the audit file, doing the
 * inserts (and retention deletes) so the gateway's event loop only posts the batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditStore } from './sqlite-store.js';
import type { WriterData, WriterRequest, WriterResponse } from './sqlite-threaded.js';

const { path, synchronous } = workerData as WriterData;
const store = new SqliteAuditStore({ path, ...(synchronous ? { synchronous } : {}) });

async function handle(req: WriterRequest): Promise<number> {
  if (req.op === 'prune') return store.prune(new Date(req.before));
  if (req.op === 'synchronous') return store.database().pragma('synchronous', { simple: true }) as number;
  store.appendRows(req.rows);
  return req.rows.docEnds.length;
}

parentPort?.on('message', (req: WriterRequest) => {
  handle(req).then(
    (value) => parentPort?.postMessage({ id: req.id, ok: true, value } satisfies WriterResponse),
    (err: unknown) =>
      parentPort?.postMessage({
        id: req.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies WriterResponse),
  );
});
