/**
 * One scanning worker thread: loads the engine module at once, makes its engine from the options
 * the pool sends when the main thread has built its own (for the default engine: the learned
 * canaries), then scans the files the pool sends, one at a time in the order sent, reporting
 * bytes read as it goes (throttled) and each file's result when done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine, type EngineSpec } from './engine.js';
import type { ReadLimits } from './readers/read-file.js';
import { prepareFile, type FileResult } from './scan-file.js';

export interface WorkerSetup {
  engine: EngineSpec;
  fingerprintKey: string;
  reveal: boolean;
  limits: ReadLimits;
  maxFindings: number;
  /** The baseline's fingerprints: applied in the worker, before the per-file cap. */
  acceptedFingerprints?: string[];
  /** Set when a baseline is written (see FileScanOptions.maxBaselineEntries). */
  maxBaselineEntries?: number;
}

export type ToWorker =
  | { type: 'engine'; options: unknown }
  | { type: 'file'; id: number; path: string; display: string; fingerprintName?: string }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'bytes'; n: number }
  | { type: 'done'; id: number; result: FileResult };

const port = parentPort;
if (!port) throw new Error('scan worker must run in a worker thread');
const setup = workerData as WorkerSetup;
const accepted = setup.acceptedFingerprints ? new Set(setup.acceptedFingerprints) : undefined;

/** Progress is sent at most this often: one message per chunk would flood the main thread. */
const BYTES_EVERY = 4 * 1024 * 1024;

// The module loads while the main thread builds the engine whose options this one is made from.
const engineModule = import(setup.engine.module).catch(() => undefined);
const engineOptions = new Promise<unknown>((resolve) => {
  const first = (msg: ToWorker): void => {
    if (msg.type !== 'engine') return;
    port.off('message', first);
    resolve(msg.options);
  };
  port.on('message', first);
});

Promise.all([engineModule, engineOptions])
  .then(([, options]) => loadEngine({ module: setup.engine.module, options }))
  .then(
    (engine) => {
      let unsent = 0;
      // The pool sends the next file before this one is done, so the worker never waits for the
      // main thread between files; files are still scanned one at a time, in the order sent.
      const pending: Extract<ToWorker, { type: 'file' }>[] = [];
      let busy = false;
      let stopping = false;
      const onBytes = (n: number): void => {
        unsent += n;
        if (unsent >= BYTES_EVERY) {
          port.postMessage({ type: 'bytes', n: unsent } satisfies FromWorker);
          unsent = 0;
        }
      };
      /** The file after the one being scanned, already opening (see prepareFile). */
      let prepared: { id: number; scan: () => Promise<FileResult> } | undefined;
      const prepare = (msg: Extract<ToWorker, { type: 'file' }>): (() => Promise<FileResult>) =>
        prepareFile(
          msg.path,
          msg.display,
          {
            engine,
            fingerprintKey: setup.fingerprintKey,
            reveal: setup.reveal,
            limits: setup.limits,
            maxFindings: setup.maxFindings,
            ...(accepted ? { accepted } : {}),
            ...(setup.maxBaselineEntries === undefined
              ? {}
              : { maxBaselineEntries: setup.maxBaselineEntries }),
            onBytes,
          },
          msg.fingerprintName,
        );
      // The next file opens while this one is scanned.
      const prepareNext = (): void => {
        const next = pending[0];
        if (busy && next && prepared === undefined) prepared = { id: next.id, scan: prepare(next) };
      };
      const pump = (): void => {
        if (busy) return;
        const msg = pending.shift();
        if (!msg) {
          if (stopping) port.close();
          return;
        }
        busy = true;
        const scan = prepared?.id === msg.id ? prepared.scan : prepare(msg);
        prepared = undefined;
        prepareNext();
        scan().then(
          (result) => {
            if (unsent > 0) port.postMessage({ type: 'bytes', n: unsent } satisfies FromWorker);
            unsent = 0;
            port.postMessage({ type: 'done', id: msg.id, result } satisfies FromWorker);
            busy = false;
            pump();
          },
          (err: unknown) =>
            port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromWorker),
        );
      };
      port.on('message', (msg: ToWorker) => {
        if (msg.type === 'engine') return;
        if (msg.type === 'stop') stopping = true;
        else pending.push(msg);
        pump();
        prepareNext();
      });
      port.postMessage({ type: 'ready' } satisfies FromWorker);
    },
    (err: unknown) =>
      port.postMessage({
        type: 'failed',
        message: `engine failed to load: ${(err as Error).message}`,
      } satisfies FromWorker),
  );
