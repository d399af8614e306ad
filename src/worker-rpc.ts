/**
 * Request/answer calls to a worker thread that owns a resource the gateway's thread must not
 * block on (a synchronous SQLite connection). The worker is started on first use, does not
 * keep the process alive while idle (only calls in flight do), and is started afresh after it
 * dies; calls in flight when it dies are rejected.
 *
 * The worker answers each `{ ...request, id }` message with
 * `{ id, ok: true, value }` or `{ id, ok: false, message }`.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export type WorkerResponse<T> =
  { id: number; ok: true; value: T } | { id: number; ok: false; message: string };

/**
 * Starts `<name>.js` beside `base` (a module's import.meta.url). From TypeScript sources
 * (tests, tsx) it loads `<name>.ts` through tsx: a worker thread does not inherit the parent's
 * module loader hooks.
 */
export function startModuleWorker(
  base: string,
  name: string,
  workerData: unknown,
  options: Omit<WorkerOptions, 'eval' | 'workerData'> = {},
): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), { ...options, workerData });
  const script = new URL(`./${name}.ts`, base).href;
  // Resolved here: an eval'd worker resolves bare specifiers from the process's working
  // directory, which (`airlock run` in a project, a scan of another folder) need not see tsx.
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`,
    { ...options, eval: true, workerData },
  );
}

export class WorkerRpc<Req extends object, Res> {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Res) => void; reject: (e: Error) => void }>();

  /** @param what names the worker in the error a call gets when it stops */
  constructor(
    private readonly start: () => Worker,
    private readonly what: string,
  ) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = this.start();
    worker.unref();
    worker.on('message', (res: WorkerResponse<Res>) => {
      const waiter = this.pending.get(res.id);
      if (!waiter) return;
      this.pending.delete(res.id);
      if (this.pending.size === 0) worker.unref();
      if (res.ok) waiter.resolve(res.value);
      else waiter.reject(new Error(res.message));
    });
    const fail = (err: Error) => {
      // The next call starts a fresh worker.
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${this.what} stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  call(req: Req): Promise<Res> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
