/**
 * Spreads files over worker threads, one engine per worker (made from the main thread's, see
 * PoolOptions.engineOptions), each thread keeping to one kind of file while it has some (see
 * FileQueue), largest files first so the last file to finish is a small one.
 * Each worker's heap is capped (`maxOldGenerationSizeMb`): for a large input tightly, which
 * keeps the whole scan's memory bounded (V8 otherwise lets a busy parser's heap grow far past
 * what it uses), for a small one at V8's 2 GB (ROOMY_HEAP_MB); a file that still exhausts a
 * worker is reported as skipped and a fresh worker takes over. In development (TypeScript sources) each worker registers tsx before loading its
 * module; the built package loads the compiled worker directly.
 */
import { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../worker-rpc.js';
import { FileQueue } from './file-queue.js';
import type { FoundFile } from './files.js';
import { scanInTurn, type FileResult } from './scan-file.js';
import type { FromWorker, ToWorker, WorkerSetup } from './worker.js';

export interface PoolCallbacks {
  onBytes(n: number): void;
  onFile(result: FileResult, file: FoundFile): void;
}

/** Heap per worker: room for the engine, one batch and the largest line or entry (capped). */
export function workerHeapMb(setup: WorkerSetup): number {
  const largest = Math.max(setup.limits.maxLineBytes, setup.limits.maxDocumentBytes) / (1024 * 1024);
  return Math.max(160, Math.ceil(64 + largest * 3));
}

/**
 * A worker heap capped below 2 GB runs in V8's frugal mode: it grows by a smaller factor and
 * collects much more often, and the scan costs about a quarter more CPU. Measured under the
 * bench lock, one worker on 210 MB in 100 files: cap 160-2047 MB 3.1-3.9 CPU s, cap 2048 MB
 * 2.75-3.0 s (the uncapped main thread: 2.7-3.1 s) — but on 2.15 GB in two workers the 2 GB cap
 * let the heaps grow to a peak RSS of 418 MB against 282 MB with the 160 MB cap (17.5 vs 16.8
 * CPU s, a small difference there). So a small input gets this cap (still a cap: a runaway
 * worker is stopped) and a large one the bounded heap of workerHeapMb.
 */
export const ROOMY_HEAP_MB = 2048;

/**
 * Young generation per worker: 8 MB semi-spaces instead of V8's 16 MB. Each worker's heap then
 * commits about 25 MB less (two workers on 2 × 268 MB: peak RSS 326–336 → 301–312 MB) for a few
 * percent more scavenging; the batches a reader fills (512 KB of text) still die young.
 * A/B under the bench lock, two workers: 2.1 GB in 8 files peak RSS 352 MB with the cap vs 377
 * without (21.8 vs 20.3 CPU s); 210 MB in 100 files 249–252 vs 279–288 MB (4.7–5.3 vs 4.6–5.1
 * CPU s). A smaller cap (12 MB) saved nothing more (344 MB) and cost 24% more CPU.
 */
const WORKER_YOUNG_MB = 24;

function spawn(setup: WorkerSetup, heapMb: number): Worker {
  return startModuleWorker(import.meta.url, 'worker', setup, {
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
}

function crashed(file: FoundFile, err: unknown): FileResult {
  return {
    summary: { file: file.display, format: 'skipped', bytes: 0, records: 0, findings: 0 },
    findings: [],
    warnings: [
      { file: file.display, message: `skipped: the worker scanning it stopped (${(err as Error).message})` },
    ],
    linesSkipped: 0,
    linesAsText: 0,
    skipped: true,
    dropped: 0,
  };
}

/**
 * Files sent to a worker ahead of the one it is scanning: the next file is already there when
 * it finishes, instead of a round trip through the main thread (which may be busy with another
 * worker's result). One is enough; more would only unbalance the end of the scan.
 */
const AHEAD = 1;

export interface PoolOptions {
  /**
   * Called once the workers are starting (they load their modules meanwhile): the options each
   * worker makes its engine from, e.g. from an engine the main thread builds. Default: the
   * engine spec's own options.
   */
  engineOptions?: () => Promise<unknown>;
  /** Old-generation cap per worker (default workerHeapMb). */
  heapMb?: number;
  /**
   * Scans files in this thread too (given a file, starts opening it and returns the function that
   * scans it: see prepareFile), beside the workers, once `engineOptions` has resolved (e.g.
   * with the engine this thread built for them); the workers are then at most one fewer than the
   * files. One isolate fewer to start, warm up and collect: on 2 cores, this thread and one
   * worker scan the same input for less CPU than two workers with this thread idle.
   */
  local?: (file: FoundFile) => () => Promise<FileResult>;
}

export async function scanInWorkers(
  files: FoundFile[],
  size: number,
  setup: WorkerSetup,
  cb: PoolCallbacks,
  opts: PoolOptions = {},
): Promise<void> {
  const engineOptions = opts.engineOptions ?? (() => Promise.resolve(setup.engine.options));
  const heapMb = opts.heapMb ?? workerHeapMb(setup);
  const queue = new FileQueue(files);
  const local = opts.local;
  const count = local ? Math.max(0, Math.min(size, queue.size - 1)) : Math.max(1, Math.min(size, queue.size));
  const live = new Set<Worker>();
  try {
    await new Promise<void>((resolve, reject) => {
      /** Workers and this thread still scanning. */
      let active = count + (local ? 1 : 0);
      const finished = (): void => {
        active -= 1;
        if (active === 0) resolve();
      };
      const byId = new Map(files.map((file, id) => [id, file]));
      // Asked for once the first workers are spawned, so they load their modules meanwhile.
      const options = Promise.resolve().then(engineOptions);
      const start = (): void => {
        const worker = spawn(setup, heapMb);
        live.add(worker);
        options.then(
          (o) => worker.postMessage({ type: 'engine', options: o } satisfies ToWorker),
          (err: unknown) => reject(err as Error),
        );
        /** Files sent to this worker and not done, in the order sent: the first is being scanned. */
        const sent: { file: FoundFile; id: number }[] = [];
        const take = queue.taker();
        let ready = false;
        let stopped = false;
        const fill = (): void => {
          while (sent.length <= AHEAD) {
            const item = take.next();
            if (!item) break;
            sent.push(item);
            worker.postMessage({
              type: 'file',
              id: item.id,
              path: item.file.path,
              display: item.file.display,
              ...(item.file.fingerprintName === undefined
                ? {}
                : { fingerprintName: item.file.fingerprintName }),
            } satisfies ToWorker);
          }
          if (sent.length === 0 && !stopped) {
            stopped = true;
            worker.postMessage({ type: 'stop' } satisfies ToWorker);
            finished();
          }
        };
        worker.on('message', (msg: FromWorker) => {
          switch (msg.type) {
            case 'ready':
              ready = true;
              fill();
              break;
            case 'bytes':
              cb.onBytes(msg.n);
              break;
            case 'done':
              sent.shift();
              cb.onFile(msg.result, byId.get(msg.id)!);
              fill();
              break;
            case 'failed':
              reject(new Error(msg.message));
              break;
          }
        });
        worker.on('error', (err) => {
          live.delete(worker);
          // A worker that never became ready can't scan anything: a setup problem, not a file's.
          const current = sent.shift();
          if (!ready || current === undefined) {
            reject(err);
            return;
          }
          cb.onFile(crashed(current.file, err), current.file);
          // Files sent ahead were not started: back to the front of the queue, in their order.
          take.release();
          queue.putBack(sent);
          start();
        });
      };
      for (let i = 0; i < count; i += 1) start();
      if (local) {
        // Takes the next file from the same queue as the workers, one at a time.
        options
          .then(async () => {
            // One file ahead, as a worker is sent one ahead: its opening is not waited for.
            const take = queue.taker();
            function* queued(): Generator<FoundFile> {
              for (let item = take.next(); item; item = take.next()) yield item.file;
            }
            await scanInTurn(queued(), local, cb.onFile);
            finished();
          })
          .catch((err: unknown) => reject(err as Error));
      }
    });
  } finally {
    await Promise.all([...live].map((w) => w.terminate()));
  }
}
