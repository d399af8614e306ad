/**
 * The recorder's spool segments: which files exist, which one is open for appending, which
 * hold events that are only on disk (spilled while the store was down, or adopted from a dead
 * writer) and which are write-ahead copies of events still queued in memory. File operations
 * themselves are in spool.ts.
 */
import { close, closeSync, fdatasync, fdatasyncSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  adoptOrphans,
  appendLine,
  appendLines,
  openSegment,
  segmentPath,
  setAsideDamaged,
  unlinkSegmentFile,
  type Segment,
} from './spool.js';

const fdatasyncLater = promisify(fdatasync);
const closeLater = promisify(close);

/** A segment's descriptor handed to the background to be synced and closed. */
interface Retiring {
  fd: number;
  /** False once closed, here or by close() at shutdown (which must not leave it to a callback). */
  open: boolean;
}

export interface SegmentsOptions {
  dir: string;
  instance: string;
  fsync: 'always' | 'interval' | 'never';
  fsyncIntervalMs: number;
  segmentBytes: number;
  /** Instances recording in this process: their segments are not orphans. */
  liveInstances: ReadonlySet<string>;
  /** A background sync, close or delete that failed (the file stays: replay skips what is stored). */
  onError?: (err: unknown) => void;
}

export class SpoolSegments {
  private readonly list: Segment[] = [];
  private current: Segment | null = null;
  private n = 0;
  private dirty = false;
  private readonly fsyncTimer: NodeJS.Timeout | null = null;
  /** Events found in adopted segments. */
  adoptedLines = 0;
  /** Syncs, closes and deletes under way off the event loop (see retire). */
  private readonly background = new Set<Promise<void>>();
  private readonly retiring = new Set<Retiring>();

  constructor(private readonly o: SegmentsOptions) {
    this.adoptOrphans();
    if (o.fsync === 'interval') {
      this.fsyncTimer = setInterval(() => this.syncSoon(), o.fsyncIntervalMs);
      this.fsyncTimer.unref();
    }
  }

  /**
   * Takes over the segments of writers that are gone (spool.ts adoptOrphans) as disk-only
   * segments to replay; returns how many events they hold. At start, and again from time to
   * time: a writer that dies while this one runs (another worker, another gateway on the same
   * data dir) leaves segments nobody else would replay before the next start.
   */
  adoptOrphans(): number {
    let lines = 0;
    for (const segment of adoptOrphans(this.o.dir, this.o.liveInstances, () => this.nextPath())) {
      this.list.push(segment);
      lines += segment.lines;
    }
    this.adoptedLines += lines;
    return lines;
  }

  /**
   * Sets a replayed segment with damaged lines aside (spool.ts setAsideDamaged) instead of
   * deleting it; returns where it went.
   */
  setAside(segment: Segment): string {
    const i = this.list.indexOf(segment);
    if (i >= 0) this.list.splice(i, 1);
    return setAsideDamaged(segment.path);
  }

  /** Appends a line to the open segment of this kind, opening or rotating one as needed. */
  write(line: string | Uint8Array, diskOnly: boolean): Segment {
    const open = this.segmentFor(diskOnly);
    appendLine(open, line);
    this.written(open);
    return open;
  }

  /** Appends lines with one write (spool.ts appendLines) to one segment of this kind. */
  writeLines(lines: readonly Uint8Array[], diskOnly: boolean): Segment {
    const open = this.segmentFor(diskOnly);
    appendLines(open, lines);
    this.written(open);
    return open;
  }

  /** The open segment of this kind, a new one when there is none or it is full. */
  private segmentFor(diskOnly: boolean): Segment {
    const c = this.current;
    let segment = c;
    if (!c || c.fd === null || c.diskOnly !== diskOnly || c.bytes >= this.o.segmentBytes) {
      this.rotate();
      segment = openSegment(this.nextPath(), diskOnly);
      this.list.push(segment);
      this.current = segment;
    }
    return segment as Segment;
  }

  private written(segment: Segment): void {
    if (this.o.fsync === 'always' && segment.fd !== null) fdatasyncSync(segment.fd);
    else this.dirty = true;
  }

  /** Closes the open segment; it stays until its events are committed. */
  rotate(): void {
    const c = this.current;
    this.current = null;
    if (!c || c.fd === null) return;
    const sync = this.dirty && this.o.fsync !== 'never';
    this.dirty = false;
    if (c.lines === 0) this.drop(c);
    else {
      this.retire(c, sync);
      this.forgetCommitted();
    }
  }

  /** Forgets a segment and deletes its file (in the background). */
  drop(segment: Segment): void {
    const i = this.list.indexOf(segment);
    if (i >= 0) this.list.splice(i, 1);
    if (segment === this.current) {
      this.current = null;
      this.dirty = false;
    }
    this.retire(segment, false, true);
  }

  /** Deletes write-ahead segments whose events are all committed, the open one included. */
  forgetCommitted(): void {
    for (const segment of [...this.list]) {
      if (segment.diskOnly || segment.pending > 0) continue;
      // An open segment with nothing written stays open; the next write goes on in it.
      if (segment === this.current && segment.bytes === 0) continue;
      this.drop(segment);
    }
  }

  /**
   * Resolves once the background work started so far is done: after it, every file this
   * spool deleted is gone and every segment it rotated is synced and closed.
   */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** The oldest closed segment whose events exist only on disk: the next to replay. */
  nextBacklog(): Segment | undefined {
    return this.list.find((s) => s.diskOnly && s.fd === null);
  }

  hasDiskOnly(): boolean {
    return this.list.some((s) => s.diskOnly);
  }

  bytes(): number {
    let total = 0;
    for (const s of this.list) total += s.bytes;
    return total;
  }

  /**
   * Syncs and closes every file; empty ones are deleted, the rest wait for the next start. A
   * delete still under way in the background may not finish before the process ends: the file
   * is then replayed by the next start, and the store skips what it already holds.
   */
  close(): void {
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    this.current = null;
    for (const r of this.retiring) {
      if (!r.open) continue;
      r.open = false;
      this.syncAndClose(r.fd);
    }
    this.retiring.clear();
    for (const segment of [...this.list]) {
      if (segment.fd !== null) {
        this.syncAndClose(segment.fd);
        segment.fd = null;
      }
      if (segment.lines === 0 && segment.bytes === 0) this.drop(segment);
    }
  }

  /**
   * A failing disk (EIO, ENOSPC) must not stop the shutdown half-way with descriptors left
   * open: the failure is reported and the file closed all the same (its lines are replayed by
   * the next start as far as they reached the disk).
   */
  private syncAndClose(fd: number): void {
    try {
      fdatasyncSync(fd);
    } catch (err) {
      this.o.onError?.(err);
    }
    try {
      closeSync(fd);
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  /**
   * Takes a segment's file off the event loop: its descriptor synced (when asked) and closed,
   * its file deleted (when asked), in the background. These calls wait for the disk: under
   * load an 8 MB segment's fdatasync took 18 ms and deleting it with its pages still dirty up
   * to 17 ms on this project's VMs (ext4), each a stall of every exchange in flight when it
   * ran on the event loop; emptying the open segment with ftruncate, 0.1-1 ms after every
   * drained flush. No write can race them: the segment's descriptor is cleared here, and its
   * name is never used again.
   */
  private retire(segment: Segment, sync: boolean, remove = false): void {
    const fd = segment.fd;
    segment.fd = null;
    const r: Retiring | undefined = fd === null ? undefined : { fd, open: true };
    if (r) this.retiring.add(r);
    const path = segment.path;
    this.runInBackground(
      (async () => {
        if (r) {
          try {
            if (sync && r.open) await fdatasyncLater(r.fd);
          } finally {
            // close() at shutdown may have synced and closed it meanwhile: its number may be reused.
            this.retiring.delete(r);
            if (r.open) {
              r.open = false;
              await closeLater(r.fd);
            }
          }
        }
        if (remove) await unlinkSegmentFile(path);
      })(),
    );
  }

  private runInBackground(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((err: unknown) => this.o.onError?.(err))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private nextPath(): string {
    return segmentPath(this.o.dir, this.o.instance, ++this.n);
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
