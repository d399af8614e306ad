/**
 * AuditRecorder: the gateway's only audit call is `record(event)`, which never waits for the
 * store. Each event is sealed into its instance's hash chain in call order, written ahead to
 * the spool (one synchronous append: after record() returns, a kill -9 loses nothing) and
 * queued; a single flusher appends queued events to the store in batches (by size or time)
 * and then forgets the spool lines. When the store fails, new events go to the spool only
 * and are replayed, oldest first, when it answers again. See docs/audit.md for the numbers.
 */
import { randomBytes } from 'node:crypto';
import {
  eventDocParts,
  LineSealedEvent,
  prepareFindingsJson,
  sealIntoLine,
  spoolLine,
  spoolLineBytes,
  type EventDocParts,
} from './chain.js';
import { withinMs } from '../deadline.js';
import { errorText } from './errors.js';
import { auditFindings, buildEventFields, type AuditEventInput } from './event.js';
import { SpoolSegments } from './segments.js';
import { readSegment, spoolDir, type Segment } from './spool.js';
import type { FindingDecision } from '../gateway/inspector.js';
import { GENESIS_HASH, type AuditEvent, type AuditFinding, type SealedEvent } from './types.js';
import { ulid } from './ulid.js';
import { eventColumns, findingRows } from './sql-reader.js';
import {
  delay,
  resolveRecorderOptions,
  within,
  type RecorderOptions,
  type ResolvedOptions,
} from './recorder-options.js';
import type { RecorderStats } from './recorder-options.js';

export type { RecorderOptions, RecorderStats } from './recorder-options.js';

/**
 * Told of each recorded event, with its spool line (`{"hash":...,"event":<document>}` as UTF-8
 * bytes, never written over): a listener that keeps events can keep that instead of the objects.
 */
export type RecordListener = (event: AuditEvent, line?: Buffer) => void;

interface Queued {
  sealed: SealedEvent;
  segment: Segment | null;
}

const liveInstances = new Set<string>();

/**
 * Spool lines are encoded into slabs of this size, one after the other (a real request's line
 * is about 4 KB): no buffer allocation per event. A slab is freed once no queued event holds a
 * line in it.
 */
const SLAB_BYTES = 1 << 20;

/** Dropped events are told to onWarning at most this often (a full spool drops every event). */
const DROP_WARNING_MS = 60_000;

export class AuditRecorder {
  readonly instance: string;
  private readonly o: ResolvedOptions;
  private readonly spool: SpoolSegments;
  private seq = 0;
  private head = GENESIS_HASH;
  private queue: Queued[] = [];
  /** Sealed by recordGrouped, their spool lines not yet written (see writeGroup). */
  private group: LineSealedEvent[] = [];
  private groupWritten: Promise<void> | undefined;
  private groupDone: (() => void) | undefined;
  private inFlight = 0;
  private diskOnlyPending = 0;
  private spilling = false;
  private closed = false;
  /** Set when close() gives up: a late flush must not touch the spool any more. */
  private abandoned = false;
  private inFlightBatch: Queued[] = [];
  private spoolError = false;
  private failures = 0;
  private flushing: Promise<void> | null = null;
  /** flush() calls waiting: the flusher then drains the queue instead of leaving a partial batch. */
  private draining = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private readonly listeners = new Set<RecordListener>();
  private readonly counters = {
    recorded: 0,
    committed: 0,
    dropped: 0,
    refused: 0,
    replayed: 0,
    damagedLines: 0,
    storeErrors: 0,
  };
  private lastError: string | undefined;
  private readonly orphanTimer: NodeJS.Timeout;
  private dropWarnedAt = -Infinity;
  private droppedUnwarned = 0;
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private slabUsed = 0;

  constructor(options: RecorderOptions) {
    this.instance = options.instance ?? `p${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.instance))
      throw new Error(`invalid audit instance "${this.instance}"`);
    if (liveInstances.has(this.instance))
      throw new Error(`audit instance "${this.instance}" is already recording`);
    this.o = resolveRecorderOptions(options);
    liveInstances.add(this.instance);
    this.spool = new SpoolSegments({
      dir: spoolDir(options.dataDir),
      instance: this.instance,
      fsync: this.o.fsync,
      fsyncIntervalMs: this.o.fsyncIntervalMs,
      segmentBytes: this.o.segmentBytes,
      liveInstances,
      onError: (err) => this.o.onError?.(err),
    });
    this.diskOnlyPending = this.spool.adoptedLines;
    if (this.spool.hasDiskOnly()) this.kick(0);
    this.orphanTimer = setInterval(() => this.adoptOrphans(), this.o.orphanCheckMs);
    this.orphanTimer.unref();
  }

  /** Adopts the segments of writers that died since the last look, and replays them. */
  private adoptOrphans(): void {
    if (this.closed) return;
    try {
      const lines = this.spool.adoptOrphans();
      if (lines === 0) return;
      this.diskOnlyPending += lines;
      this.kick(0);
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  /**
   * Seals and queues one event; returns it (with id and hash), or undefined when it was dropped
   * (spool full under `on_spool_full: allow`, or the recorder is closed). Never waits. With
   * `durability: spool` its spool line is written before this returns.
   */
  record(input: AuditEventInput): AuditEvent | undefined {
    const made = this.seal(input);
    if (!made) return undefined;
    // Lines of recordGrouped first, so that the spool holds the events in chain order.
    this.writeGroup();
    this.enqueue([made.sealed]);
    return made.event;
  }

  /**
   * record() for a caller that holds back what must wait for the write-ahead (the gateway: the
   * answer's last byte) until the returned promise resolves: the spool line is written with
   * those of every other event recorded this way in the same turn of the event loop, with one
   * system call at the turn's end (setImmediate), instead of one call per event. Under load
   * several exchanges end in one turn (about 6 on average at concurrency 32 in the benchmarks).
   * Returns the event and, when there is a write to wait for, the promise; undefined when the
   * event was dropped. The promise also resolves when the write failed (the event is then kept
   * in memory and accepting() says whether new requests are refused), so that no answer is held
   * forever.
   */
  recordGrouped(input: AuditEventInput): { event: AuditEvent; written?: Promise<void> } | undefined {
    const made = this.seal(input);
    if (!made) return undefined;
    if (!this.writesAhead()) {
      this.enqueue([made.sealed]);
      return { event: made.event };
    }
    this.group.push(made.sealed);
    if (!this.groupWritten) {
      this.groupWritten = new Promise<void>((resolve) => {
        this.groupDone = resolve;
      });
      setImmediate(this.writeGroupLater);
    }
    return { event: made.event, written: this.groupWritten };
  }

  /**
   * Seals an event into its spool line (in the slab) and tells the listeners; not yet queued.
   * The event is returned beside its queued form, which does not hold it.
   */
  private seal(input: AuditEventInput): { sealed: LineSealedEvent; event: AuditEvent } | undefined {
    if (this.closed || (this.o.onSpoolFull === 'allow' && this.spoolFull())) {
      this.counters.dropped++;
      this.warnDropped();
      return undefined;
    }
    // One object, built with its keys in canonical order (chain.ts), serialized once as UTF-8
    // bytes and copied into its spool line, whose document bytes are hashed.
    const unsigned = buildEventFields(input, this.o.forensicMaxBytes, {
      id: ulid(),
      instance: this.instance,
      seq: this.seq + 1,
      prevHash: this.head,
    });
    const event = unsigned as AuditEvent;
    const line = this.encodeLine(eventDocParts(event));
    event.hash = line.hash;
    const sealed = new LineSealedEvent(line.bytes, {
      columns: eventColumns(event),
      findings: findingRows(event),
    });
    this.seq++;
    this.head = event.hash;
    this.counters.recorded++;
    for (const listener of this.listeners) {
      try {
        listener(event, sealed.line);
      } catch (err) {
        this.o.onError?.(err);
      }
    }
    return { sealed, event };
  }

  /**
   * Writes sealed events' spool lines (one write; with `durability: spool`, or while the store
   * is down) and queues them for the store; events that went to a disk-only segment are not
   * queued (replay reads them).
   */
  private enqueue(batch: readonly LineSealedEvent[]): void {
    let segment: Segment | null = null;
    if (this.writesAhead()) {
      try {
        segment = this.spool.writeLines(
          batch.map((s) => s.line),
          this.spilling,
        );
        this.spoolError = false;
      } catch (err) {
        // Disk full or unwritable: keep the events in memory (not durable) and let accepting()
        // refuse new requests under `on_spool_full: block`.
        segment = null;
        this.spoolError = true;
        this.lastError = `spool write failed: ${errorText(err)}`;
        this.o.onError?.(err);
      }
    }
    if (segment?.diskOnly) this.diskOnlyPending += batch.length;
    else {
      for (const sealed of batch) this.queue.push({ sealed, segment });
      if (segment) segment.pending += batch.length;
    }
    this.kick(this.queue.length >= this.o.batchSize ? 0 : this.o.flushIntervalMs);
  }

  /** Whether events go to the spool as they are recorded: `durability: spool`, or the store is down. */
  private writesAhead(): boolean {
    return this.o.durability === 'spool' || this.spilling;
  }

  private readonly writeGroupLater = (): void => this.writeGroup();

  /** Writes the lines recordGrouped has gathered, then lets their callers go on. */
  private writeGroup(): void {
    const batch = this.group;
    const done = this.groupDone;
    if (batch.length === 0) return;
    this.group = [];
    this.groupWritten = undefined;
    this.groupDone = undefined;
    try {
      this.enqueue(batch);
    } finally {
      done?.();
    }
  }

  /**
   * A request's findings in its event's form, with their JSON written ahead (the larger part of
   * the document): for `preparedFindings` of the record() that follows, made by the gateway
   * while it waits for the upstream so that the record before the answer's last byte does less.
   */
  prepareFindings(decisions: readonly FindingDecision[]): readonly AuditFinding[] {
    const findings = auditFindings(decisions);
    prepareFindingsJson(findings);
    return findings;
  }

  /**
   * A dropped event leaves no trace in the log, so it is said in the gateway's: at once for the
   * first, then at most once a minute with how many since (the metrics count every one).
   */
  private warnDropped(): void {
    this.droppedUnwarned++;
    const now = Date.now();
    if (now - this.dropWarnedAt < DROP_WARNING_MS) return;
    const n = this.droppedUnwarned;
    this.dropWarnedAt = now;
    this.droppedUnwarned = 0;
    const why = this.closed
      ? 'the audit recorder is closed'
      : `the audit spool is full (spool_max ${this.o.maxSpoolBytes} bytes, on_spool_full: allow)`;
    this.o.onWarning?.(
      `${n} audit event${n === 1 ? '' : 's'} dropped${n === 1 ? '' : ' since the last warning'}: ${why}; ` +
        `${this.counters.dropped} dropped in all`,
    );
  }

  /**
   * Counts a request the gateway refused because accepting() was false. It is not recorded: the
   * spool is full or failing, and recording every refusal (clients retry a 503) would grow it
   * past spool_max.
   */
  countRefused(): void {
    this.counters.refused++;
  }

  /** Writes the event's spool line into the current slab (a new one when it is full). */
  private encodeLine(doc: EventDocParts): { hash: string; bytes: Buffer } {
    const room = spoolLineBytes(doc);
    if (this.slab.length - this.slabUsed < room) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, room));
      this.slabUsed = 0;
    }
    const start = this.slabUsed;
    const { hash, length } = sealIntoLine(this.slab, start, doc);
    this.slabUsed = start + length;
    return { hash, bytes: this.slab.subarray(start, start + length) };
  }

  /** False when the gateway must refuse requests (AIRLOCK_AUDIT_UNAVAILABLE): spool full, policy block. */
  accepting(): boolean {
    return !this.closed && !(this.o.onSpoolFull === 'block' && (this.spoolError || this.spoolFull()));
  }

  /** Called for every recorded event (the dashboard's live feed); returns an unsubscribe function. */
  onEvent(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): RecorderStats {
    return {
      queueDepth: this.group.length + this.queue.length + this.inFlight + this.diskOnlyPending,
      spoolBytes: this.spool.bytes(),
      ...this.counters,
      spoolDepth: this.diskOnlyPending,
      spilling: this.spilling,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  /** Waits until everything recorded so far is in the store (or the store fails). */
  async flush(): Promise<void> {
    this.draining++;
    try {
      this.writeGroup();
      while (this.flushing) await this.flushing;
      this.clearTimer();
      await this.runFlush();
      // What the flush let go of is deleted too, so the spool on disk is what is left to store.
      await this.spool.settled();
    } finally {
      this.draining--;
    }
  }

  /**
   * Graceful stop: no new events, then flushes for up to timeoutMs while the store answers.
   * Whatever the store did not take stays in the spool for the next start to replay.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.orphanTimer);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      const flushed = await within(this.flush(), deadline - Date.now());
      if (!flushed || (this.queue.length === 0 && !this.spool.hasDiskOnly())) break;
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
    await within(this.spool.settled(), Math.max(0, deadline - Date.now()));
    this.spool.close();
    liveInstances.delete(this.instance);
  }

  private spoolFull(): boolean {
    return this.spool.bytes() >= this.o.maxSpoolBytes;
  }

  /** Store down or too slow: new events go to the spool only; memory keeps what it holds. */
  private spill(): void {
    if (!this.spilling) {
      this.spool.rotate();
      this.spilling = true;
    }
    if (this.o.durability === 'memory' && this.queue.length) {
      for (const q of this.queue) this.spool.write(q.sealed.line ?? spoolLine(q.sealed), true);
      this.diskOnlyPending += this.queue.length;
      this.queue = [];
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
        else if (this.queue.length || this.spool.hasDiskOnly()) this.kick(this.o.flushIntervalMs);
      });
    return this.flushing;
  }

  private async append(batch: readonly SealedEvent[]): Promise<void> {
    const ms = this.o.appendTimeoutMs;
    const { store } = this.o;
    await withinMs(
      store.append(batch),
      ms,
      // Named like the stores' own errors: a stalled server is a running-time error as well.
      () =>
        new Error(
          `the ${store.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} audit store at ${store.location} ` +
            `did not take ${batch.length} event${batch.length === 1 ? '' : 's'} within ${ms} ms`,
        ),
    );
  }

  private failed(err: unknown): void {
    this.failures++;
    this.counters.storeErrors++;
    this.lastError = errorText(err);
    if (!this.abandoned) this.spill();
    (this.o.onStoreError ?? this.o.onError)?.(err);
  }

  /** After a store call that worked: the first one since a failure says the store is back. */
  private succeeded(): void {
    if (this.failures === 0) return;
    this.failures = 0;
    this.o.onStoreBack?.();
  }

  /**
   * A replayed segment with lines that did not read back (a torn last write, or a line changed
   * on disk): its intact events are stored; the file, the only copy of what the damaged lines
   * held, is kept beside the spool, and said so.
   */
  private setAside(backlog: Segment, damaged: number, stored: number): void {
    let kept: string;
    try {
      kept = `kept as ${this.spool.setAside(backlog)}`;
    } catch (err) {
      this.o.onError?.(err);
      kept = 'left in place';
    }
    const written = backlog.writtenAs === undefined ? '' : ` (written as ${backlog.writtenAs})`;
    this.o.onWarning?.(
      `audit spool segment ${backlog.path}${written}: ${damaged} damaged line${damaged === 1 ? '' : 's'} ` +
        `skipped on replay (their events are not in the store), ${stored} stored; the segment is ${kept}`,
    );
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
        this.succeeded();
        this.counters.committed += batch.length;
        for (const q of batch) if (q.segment) q.segment.pending--;
        this.spool.forgetCommitted();
        if (this.queue.length > this.o.maxQueue) this.spill();
        // What arrived during the append waits for a full batch or the timer (runFlush kicks it):
        // under load, going on at once sent the writer a batch per round trip (about 45 events
        // at 1,400 requests/s), each paying a message, a transaction and its commit.
        if (
          this.queue.length < this.o.batchSize &&
          this.draining === 0 &&
          !this.spilling &&
          !this.spool.hasDiskOnly()
        ) {
          return;
        }
        continue;
      }
      if (this.spilling) {
        // Memory is drained and the store answers: back to normal, then replay the spool.
        this.spool.rotate();
        this.spilling = false;
      }
      const backlog = this.spool.nextBacklog();
      if (!backlog) return;
      const { events, damaged } = readSegment(backlog.path);
      for (let i = 0; i < events.length; i += this.o.batchSize) {
        await this.append(events.slice(i, i + this.o.batchSize));
        if (this.abandoned) return;
      }
      this.succeeded();
      this.counters.committed += events.length;
      this.counters.replayed += events.length;
      this.counters.damagedLines += damaged;
      this.diskOnlyPending = Math.max(0, this.diskOnlyPending - backlog.lines);
      if (damaged > 0) this.setAside(backlog, damaged, events.length);
      else this.spool.drop(backlog);
    }
  }
}
