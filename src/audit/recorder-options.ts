/** The recorder's options, their defaults, its counters, and two small timing helpers. */
import type { AuditStore } from './store.js';

export interface RecorderOptions {
  store: AuditStore;
  dataDir: string;
  /**
   * Name of this recorder's chain; default `p<pid>-<random>`. Letters, digits, `_`, `-`. Must be
   * unique among live writers of the store: a second writer of the same chain fails its appends.
   */
  instance?: string;
  /** `spool` (default): every event is written ahead to the spool file before record() returns. */
  durability?: 'spool' | 'memory';
  /** When spool writes reach the disk: per event, every fsyncIntervalMs (default), or never. */
  fsync?: 'always' | 'interval' | 'never';
  fsyncIntervalMs?: number;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Events held in memory before new ones go to the spool only. */
  maxQueue?: number;
  maxSpoolBytes?: number;
  /** When the spool is full: `block` (default) makes accepting() false; `allow` drops events. */
  onSpoolFull?: 'block' | 'allow';
  segmentBytes?: number;
  /** Keep up to this many bytes of the forensic body; 0 (default) keeps none. */
  forensicMaxBytes?: number;
  /** A store call slower than this counts as failed (the batch is retried; appends are idempotent). */
  appendTimeoutMs?: number;
  /**
   * How often the spool directory is looked at again for segments of writers that died meanwhile
   * (they are adopted and replayed); default one minute.
   */
  orphanCheckMs?: number;
  onError?: (err: unknown) => void;
  /**
   * Told of each failed or timed-out store call (its error names the store) instead of onError:
   * the recorder spills, so that the events are in the spool until the store takes them, and
   * retries with backoff.
   */
  onStoreError?: (err: unknown) => void;
  /** Told once when the store takes events again after onStoreError. */
  onStoreBack?: () => void;
  /**
   * Told of what loses or sets aside events without a store error: events dropped (at most one
   * call a minute, with how many since the last), a spool segment with damaged lines.
   */
  onWarning?: (message: string) => void;
}

export interface RecorderStats {
  /** Recorded and not yet committed to the store (in memory + spool only). */
  queueDepth: number;
  spoolBytes: number;
  recorded: number;
  committed: number;
  /** Events dropped because the spool was full and on_spool_full is `allow` (or recorded after close). */
  dropped: number;
  /**
   * Requests the gateway refused because accepting() was false (AIRLOCK_AUDIT_UNAVAILABLE): not
   * recorded, so that refusals while the spool is full do not grow it.
   */
  refused: number;
  replayed: number;
  /** Spool lines that did not read back on replay (their segments are set aside as `*.damaged`). */
  damagedLines: number;
  storeErrors: number;
  /** Events only in the spool (spilled while the store failed, or adopted), waiting for replay. */
  spoolDepth: number;
  spilling: boolean;
  lastError?: string;
}

type Listeners = 'onError' | 'onStoreError' | 'onStoreBack' | 'onWarning';

export type ResolvedOptions = Required<Omit<RecorderOptions, 'instance' | Listeners>> &
  Pick<RecorderOptions, Listeners>;

export function resolveRecorderOptions(options: RecorderOptions): ResolvedOptions {
  return {
    store: options.store,
    dataDir: options.dataDir,
    durability: options.durability ?? 'spool',
    fsync: options.fsync ?? 'interval',
    fsyncIntervalMs: options.fsyncIntervalMs ?? 1000,
    batchSize: options.batchSize ?? 256,
    flushIntervalMs: options.flushIntervalMs ?? 200,
    maxQueue: options.maxQueue ?? 20_000,
    maxSpoolBytes: options.maxSpoolBytes ?? 256 * 1024 * 1024,
    onSpoolFull: options.onSpoolFull ?? 'block',
    segmentBytes: options.segmentBytes ?? 8 * 1024 * 1024,
    forensicMaxBytes: options.forensicMaxBytes ?? 0,
    appendTimeoutMs: options.appendTimeoutMs ?? 30_000,
    orphanCheckMs: options.orphanCheckMs ?? 60_000,
    onError: options.onError,
    onStoreError: options.onStoreError,
    onStoreBack: options.onStoreBack,
    onWarning: options.onWarning,
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** True when the promise settled within ms; the timer is cleared either way (nothing lingers). */
export async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
