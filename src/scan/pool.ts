/**
 * Spreads files over worker threads, one engine per worker, largest files first so the last
 * file to finish is a small one. In development (TypeScript sources) each worker registers
 * tsx before loading its module; the built package loads the compiled worker directly.
 */
import { Worker } from 'node:worker_threads';
import type { FoundFile } from './files.js';
import type { FileResult } from './scan-file.js';
import type { FromWorker, ToWorker, WorkerSetup } from './worker.js';

export interface PoolCallbacks {
  onBytes(n: number): void;
  onFile(result: FileResult, file: FoundFile): void;
}

function spawn(setup: WorkerSetup): Worker {
  const isSource = import.meta.url.endsWith('.ts');
  const url = new URL(isSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!isSource) return new Worker(url, { workerData: setup });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: setup });
}

export async function scanInWorkers(
  files: FoundFile[],
  size: number,
  setup: WorkerSetup,
  cb: PoolCallbacks,
): Promise<void> {
  const queue = files.map((file, id) => ({ file, id })).sort((a, b) => b.file.size - a.file.size);
  const count = Math.max(1, Math.min(size, queue.length));
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let active = count;
      const byId = new Map(queue.map((q) => [q.id, q.file]));
      const next = (worker: Worker): void => {
        const item = queue.shift();
        if (!item) {
          worker.postMessage({ type: 'stop' } satisfies ToWorker);
          active -= 1;
          if (active === 0) resolve();
          return;
        }
        worker.postMessage({
          type: 'file',
          id: item.id,
          path: item.file.path,
          display: item.file.display,
        } satisfies ToWorker);
      };
      for (let i = 0; i < count; i += 1) {
        const worker = spawn(setup);
        workers.push(worker);
        worker.on('message', (msg: FromWorker) => {
          switch (msg.type) {
            case 'ready':
              next(worker);
              break;
            case 'bytes':
              cb.onBytes(msg.n);
              break;
            case 'done':
              cb.onFile(msg.result, byId.get(msg.id)!);
              next(worker);
              break;
            case 'failed':
              reject(new Error(msg.message));
              break;
          }
        });
        worker.on('error', reject);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
