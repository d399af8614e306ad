/**
 * AuditRecorder: the gateway's only audit call is `record(event)`, which never waits for the
 * store. Each event is sealed into its instance's hash chain in call order, written ahead to
 * the spool (one synchronous append: after record() returns, a kill -9 loses nothing) and
 * queued; a single flusher appends queued events to the store in batches (by size or time)
 * and then forgets the spool lines. When the store fails, new events go to the spool only
 * and are replayed, oldest first, when it answers again. See docs/audit.md for the numbers.
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { seal, spoolLine } from './chain.js';
import { errorText } from './errors.js';
import { buildEventBody, type AuditEventInput } from './event.js';
import {
  adoptOrphans,
  appendLine,
  openSegment,
  readSegment,
  removeSegment,
  segmentPath,
  spoolDir,
  type Segment,
} from './spool.js';
import type { AuditStore } from './store.js';
import { GENESIS_HASH, type AuditEvent, type SealedEvent } from './types.js';
import { ulid } from './ulid.js';

export interface RecorderOptions {
  store: AuditStore;
  dataDir: string;
  /** Name of this recorder's chain; default `p<pid>-<random>`. Letters, digits, `_`, `-`. */
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

interface Queued {
  sealed: SealedEvent;
  segment: Segment | null;
}

const liveInstances = new Set<string>();

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** True when the promise settled within ms; the timer is cleared either way (nothing lingers). */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class AuditRecorder {
  readonly instance: string;
  private readonly o: Required<Omit<RecorderOptions, 'instance' | 'onError'>> &
    Pick<RecorderOptions, 'onError'>;
  private readonly dir: string;
  private seq = 0;
  private head = GENESIS_HASH;
  private segmentNo = 0;
  private readonly segments: Segment[] = [];
  private current: Segment | null = null;
  private queue: Queued[] = [];
  private inFlight = 0;
  private diskOnlyPending = 0;
  private spilling = false;
  private closed = false;
  /** Set when close() gives up: a late flush must not touch the spool any more. */
  private abandoned = false;
  private inFlightBatch: Queued[] = [];
  private dirty = false;
  private spoolError = false;
  private failures = 0;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private readonly fsyncTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(event: AuditEvent) => void>();
  private readonly counters = {
    recorded: 0,
    committed: 0,
    dropped: 0,
    replayed: 0,
    damagedLines: 0,
    storeErrors: 0,
  };
  private lastError: string | undefined;

  constructor(options: RecorderOptions) {
    this.instance = options.instance ?? `p${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.instance))
      throw new Error(`invalid audit instance "${this.instance}"`);
    if (liveInstances.has(this.instance))
      throw new Error(`audit instance "${this.instance}" is already recording`);
    this.o = {
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
    this.dir = spoolDir(options.dataDir);
    liveInstances.add(this.instance);
    for (const segment of adoptOrphans(this.dir, liveInstances, () => this.nextSegmentPath())) {
      this.segments.push(segment);
      this.diskOnlyPending += segment.lines;
    }
    if (this.o.fsync === 'interval') {
      this.fsyncTimer = setInterval(() => this.syncSoon(), this.o.fsyncIntervalMs);
      this.fsyncTimer.unref();
    }
    if (this.segments.length) this.kick(0);
  }

  /**
   * Seals and queues one event; returns it (with id and hash), or undefined when it was dropped
   * (spool full under `on_spool_full: allow`, or the recorder is closed). Never waits.
   */
  record(input: AuditEventInput): AuditEvent | undefined {
    if (this.closed || (this.o.onSpoolFull === 'allow' && this.spoolFull())) {
      this.counters.dropped++;
      return undefined;
    }
    const body = buildEventBody(input, this.o.forensicMaxBytes);
    const sealed = seal(body, {
      id: ulid(),
      instance: this.instance,
      seq: this.seq + 1,
      prevHash: this.head,
    });
    this.seq++;
    this.head = sealed.event.hash;
    this.counters.recorded++;
    let segment: Segment | null = null;
    if (this.o.durability === 'spool' || this.spilling) {
      try {
        segment = this.segmentForWrite();
        appendLine(segment, spoolLine(sealed));
        if (this.o.fsync === 'always' && segment.fd !== null) fdatasyncSync(segment.fd);
        else this.dirty = true;
        this.spoolError = false;
      } catch (err) {
        // Disk full or unwritable: keep the event in memory (not durable) and let accepting()
        // refuse new requests under `on_spool_full: block`.
        segment = null;
        this.spoolError = true;
        this.lastError = `spool write failed: ${errorText(err)}`;
        this.o.onError?.(err);
      }
    }
    if (segment?.diskOnly) this.diskOnlyPending++;
    else {
      this.queue.push({ sealed, segment });
      if (segment) segment.pending++;
    }
    for (const listener of this.listeners) {
      try {
        listener(sealed.event);
      } catch (err) {
        this.o.onError?.(err);
      }
    }
    this.kick(this.queue.length >= this.o.batchSize ? 0 : this.o.flushIntervalMs);
    return sealed.event;
  }

  /** False when the gateway must refuse requests (AIRLOCK_AUDIT_UNAVAILABLE): spool full, policy block. */
  accepting(): boolean {
    return !this.closed && !(this.o.onSpoolFull === 'block' && (this.spoolError || this.spoolFull()));
  }

  /** Called for every recorded event (the dashboard's live feed); returns an unsubscribe function. */
  onEvent(listener: (event: AuditEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): RecorderStats {
    return {
      queueDepth: this.queue.length + this.inFlight + this.diskOnlyPending,
      spoolBytes: this.spoolBytes(),
      ...this.counters,
      spilling: this.spilling,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  /** Waits until everything recorded so far is in the store (or the store fails). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.clearTimer();
    await this.runFlush();
  }

  /**
   * Graceful stop: no new events, then flushes for up to timeoutMs while the store answers.
   * Whatever the store did not take stays in the spool for the next start to replay.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    while (Date.now() < deadline) {
      const flushed = await within(this.flush(), deadline - Date.now());
      if (!flushed || (this.queue.length === 0 && !this.segments.some((s) => s.diskOnly))) break;
      // One retry for a blip; a store that stays down keeps the rest in the spool for the next start.
      if (this.failures >= 2) break;
      await delay(Math.min(this.backoffMs(), deadline - Date.now()));
    }
    this.abandoned = true;
    this.clearTimer();
    if (this.o.durability === 'memory') {
      // A batch still in flight is written too: if it commits after all, replay skips it.
      const unsaved = this.flushing ? [...this.inFlightBatch, ...this.queue] : this.queue;
      this.queue = unsaved;
      if (unsaved.length) this.spill();
    }
    for (const segment of [...this.segments]) {
      if (segment.fd !== null) {
        fdatasyncSync(segment.fd);
        closeSync(segment.fd);
        segment.fd = null;
      }
      if (segment.lines === 0 && segment.bytes === 0) this.drop(segment);
    }
    liveInstances.delete(this.instance);
  }

  private spoolFull(): boolean {
    return this.spoolBytes() >= this.o.maxSpoolBytes;
  }

  private spoolBytes(): number {
    let bytes = 0;
    for (const s of this.segments) bytes += s.bytes;
    return bytes;
  }

  private nextSegmentPath(): string {
    return segmentPath(this.dir, this.instance, ++this.segmentNo);
  }

  /** The open segment, rotated when it is full or of the other kind (spill vs write-ahead). */
  private segmentForWrite(): Segment {
    const c = this.current;
    if (c && c.fd !== null && c.diskOnly === this.spilling && c.bytes < this.o.segmentBytes) return c;
    this.rotate();
    const segment = openSegment(this.nextSegmentPath(), this.spilling);
    this.segments.push(segment);
    this.current = segment;
    return segment;
  }

  /** Closes the open segment; it stays until its events are committed. */
  private rotate(): void {
    const c = this.current;
    this.current = null;
    if (!c || c.fd === null) return;
    if (this.dirty && this.o.fsync !== 'never') fdatasyncSync(c.fd);
    closeSync(c.fd);
    c.fd = null;
    if (c.lines === 0) this.drop(c);
    else this.forgetCommitted();
  }

  private drop(segment: Segment): void {
    removeSegment(segment);
    const i = this.segments.indexOf(segment);
    if (i >= 0) this.segments.splice(i, 1);
  }

  /** Deletes write-ahead segments whose events are all committed; empties the open one. */
  private forgetCommitted(): void {
    for (const segment of [...this.segments]) {
      if (segment.diskOnly || segment.pending > 0) continue;
      if (segment === this.current && segment.fd !== null) {
        if (segment.bytes > 0) {
          ftruncateSync(segment.fd, 0);
          segment.bytes = 0;
          segment.lines = 0;
        }
      } else this.drop(segment);
    }
  }

  /** Store down or too slow: new events go to the spool only; memory keeps what it holds. */
  private spill(): void {
    if (!this.spilling) {
      this.rotate();
      this.spilling = true;
    }
    if (this.o.durability === 'memory' && this.queue.length) {
      const segment = this.segmentForWrite();
      for (const q of this.queue) appendLine(segment, spoolLine(q.sealed));
      this.diskOnlyPending += this.queue.length;
      this.queue = [];
      this.dirty = true;
    }
  }

  /** Schedules a flush in delayMs unless one is running or already due no later. */
  private kick(delayMs: number): void {
    if (this.flushing) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runFlush();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private backoffMs(): number {
    return Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
  }

  private runFlush(): Promise<void> {
    this.flushing ??= this.flushLoop()
      .catch((err: unknown) => this.failed(err))
      .finally(() => {
        this.flushing = null;
        if (this.closed) return;
        if (this.failures > 0) this.kick(this.backoffMs());
        else if (this.queue.length || this.segments.some((s) => s.diskOnly))
          this.kick(this.o.flushIntervalMs);
      });
    return this.flushing;
  }

  private async append(batch: readonly SealedEvent[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`store append took over ${this.o.appendTimeoutMs} ms`)),
        this.o.appendTimeoutMs,
      );
    });
    try {
      await Promise.race([this.o.store.append(batch), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    this.counters.storeErrors++;
    this.lastError = errorText(err);
    if (!this.abandoned) this.spill();
    this.o.onError?.(err);
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      if (this.abandoned) return;
      if (this.queue.length) {
        const batch = this.queue.splice(0, this.o.batchSize);
        this.inFlight = batch.length;
        this.inFlightBatch = batch;
        try {
          await this.append(batch.map((q) => q.sealed));
        } catch (err) {
          if (!this.abandoned) this.queue.unshift(...batch);
          throw err;
        } finally {
          this.inFlight = 0;
          this.inFlightBatch = [];
        }
        if (this.abandoned) return;
        this.failures = 0;
        this.counters.committed += batch.length;
        for (const q of batch) if (q.segment) q.segment.pending--;
        this.forgetCommitted();
        if (this.queue.length > this.o.maxQueue) this.spill();
        continue;
      }
      if (this.spilling) {
        // Memory is drained and the store answers: back to normal, then replay the spool.
        this.rotate();
        this.spilling = false;
      }
      const backlog = this.segments.find((s) => s.diskOnly && s.fd === null);
      if (!backlog) return;
      const { events, damaged } = readSegment(backlog.path);
      for (let i = 0; i < events.length; i += this.o.batchSize) {
        await this.append(events.slice(i, i + this.o.batchSize));
        if (this.abandoned) return;
      }
      this.failures = 0;
      this.counters.committed += events.length;
      this.counters.replayed += events.length;
      this.counters.damagedLines += damaged;
      this.diskOnlyPending = Math.max(0, this.diskOnlyPending - backlog.lines);
      this.drop(backlog);
    }
  }

  /** Background fdatasync of the open segment (fsync: interval). */
  private syncSoon(): void {
    const c = this.current;
    if (!this.dirty || !c || c.fd === null) return;
    this.dirty = false;
    // If rotate() closes this fd meanwhile, the sync fails with EBADF or syncs whichever file
    // reused the number: harmless either way, and rotate() syncs before closing.
    fdatasync(c.fd, () => undefined);
  }
}
