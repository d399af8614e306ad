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
  onError?: (err: unknown) => void;
}

export interface RecorderStats {
  /** Recorded and not yet committed to the store (in memory + spool only). */
  queueDepth: number;
  spoolBytes: number;
  recorded: number;
  committed: number;
  /** Events dropped because the spool was full and on_spool_full is `allow`. */
  dropped: number;
  replayed: number;
  damagedLines: number;
  storeErrors: number;
  spilling: boolean;
  lastError?: string;
}

export type ResolvedOptions = Required<Omit<RecorderOptions, 'instance' | 'onError'>> &
  Pick<RecorderOptions, 'onError'>;

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
    onError: options.onError,
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
