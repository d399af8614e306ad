/**
 * One call for the gateway: open the configured store (failing at start with a clear
 * AuditStoreError when it is corrupt or unreachable), start the recorder and retention, and
 * one close() for the graceful stop.
 */
import { randomBytes } from 'node:crypto';
import { errorText } from './errors.js';
import type { AuditConfig } from './config.js';
import { openAuditStore } from './open.js';
import { AuditRecorder } from './recorder.js';
import type { AuditStore } from './store.js';

export interface Audit {
  store: AuditStore;
  recorder: AuditRecorder;
  /** Runs retention now (it also runs hourly); returns how many events were deleted. */
  prune(): Promise<number>;
  /** Flushes the recorder (up to timeoutMs, the rest stays in the spool), then closes the store. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export interface OpenAuditOptions {
  onError?: (err: unknown) => void;
  /** A store call that failed, and the store taking events again (see RecorderOptions). */
  onStoreError?: (err: unknown) => void;
  onStoreBack?: () => void;
  /** Events dropped, spool segments set aside (see RecorderOptions.onWarning). */
  onWarning?: (message: string) => void;
  /** Retention check period; default one hour. */
  pruneEveryMs?: number;
}

export async function openAudit(
  config: AuditConfig,
  dataDir: string,
  options: OpenAuditOptions = {},
): Promise<Audit> {
  // With fsync: always, commits must survive a power loss too: the spool forgets what is committed.
  const store = await openAuditStore(config.store, dataDir, {
    synchronous: config.fsync === 'always' ? 'FULL' : 'NORMAL',
  });
  const recorder = new AuditRecorder({
    store,
    dataDir,
    // The configured name is a prefix: every process (--workers, restarts) needs its own chain.
    instance: `${config.instance ?? `p${process.pid}`}-${randomBytes(3).toString('hex')}`,
    durability: config.durability,
    fsync: config.fsync,
    maxSpoolBytes: config.spool_max,
    onSpoolFull: config.on_spool_full,
    forensicMaxBytes: config.forensic.max_bytes,
    onError: options.onError,
    onStoreError: options.onStoreError,
    onStoreBack: options.onStoreBack,
    onWarning: options.onWarning,
  });
  const prune = async () =>
    config.retain === undefined ? 0 : store.prune(new Date(Date.now() - config.retain));
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  if (config.retain !== undefined) {
    // One run at a time: a run the store holds (a lock, a stalled server) must not be joined by
    // another every period, each keeping a connection.
    let running = false;
    const run = () => {
      if (running) {
        options.onError?.(
          new Error('audit retention: the previous run has not finished; this one is skipped'),
        );
        return;
      }
      running = true;
      prune()
        .catch((err: unknown) => options.onError?.(new Error(`audit retention failed: ${errorText(err)}`)))
        .finally(() => (running = false));
    };
    timer = setInterval(run, options.pruneEveryMs ?? 3_600_000);
    timer.unref();
    first = setTimeout(run, 60_000);
    first.unref();
  }
  return {
    store,
    recorder,
    prune,
    async close(closeOptions) {
      clearInterval(timer);
      clearTimeout(first);
      try {
        await recorder.close(closeOptions);
      } finally {
        await store.close();
      }
    },
  };
}
