/**
 * The recorder's spool segments: which files exist, which one is open for appending, which
 * hold events that are only on disk (spilled while the store was down, or adopted from a dead
 * writer) and which are write-ahead copies of events still queued in memory. File operations
 * themselves are in spool.ts.
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync } from 'node:fs';
import { adoptOrphans, appendLine, openSegment, removeSegment, segmentPath, type Segment } from './spool.js';

export interface SegmentsOptions {
  dir: string;
  instance: string;
  fsync: 'always' | 'interval' | 'never';
  fsyncIntervalMs: number;
  segmentBytes: number;
  /** Instances recording in this process: their segments are not orphans. */
  liveInstances: ReadonlySet<string>;
}

export class SpoolSegments {
  private readonly list: Segment[] = [];
  private current: Segment | null = null;
  private n = 0;
  private dirty = false;
  private readonly fsyncTimer: NodeJS.Timeout | null = null;
  /** Events found in adopted segments. */
  readonly adoptedLines: number = 0;

  constructor(private readonly o: SegmentsOptions) {
    for (const segment of adoptOrphans(o.dir, o.liveInstances, () => this.nextPath())) {
      this.list.push(segment);
      this.adoptedLines += segment.lines;
    }
    if (o.fsync === 'interval') {
      this.fsyncTimer = setInterval(() => this.syncSoon(), o.fsyncIntervalMs);
      this.fsyncTimer.unref();
    }
  }

  /** Appends a line to the open segment of this kind, opening or rotating one as needed. */
  write(line: string | Uint8Array, diskOnly: boolean): Segment {
    const c = this.current;
    let segment = c;
    if (!c || c.fd === null || c.diskOnly !== diskOnly || c.bytes >= this.o.segmentBytes) {
      this.rotate();
      segment = openSegment(this.nextPath(), diskOnly);
      this.list.push(segment);
      this.current = segment;
    }
    const open = segment as Segment;
    appendLine(open, line);
    if (this.o.fsync === 'always' && open.fd !== null) fdatasyncSync(open.fd);
    else this.dirty = true;
    return open;
  }

  /** Closes the open segment; it stays until its events are committed. */
  rotate(): void {
    const c = this.current;
    this.current = null;
    if (!c || c.fd === null) return;
    if (this.dirty && this.o.fsync !== 'never') fdatasyncSync(c.fd);
    closeSync(c.fd);
    c.fd = null;
    if (c.lines === 0) this.drop(c);
    else this.forgetCommitted();
  }

  drop(segment: Segment): void {
    removeSegment(segment);
    const i = this.list.indexOf(segment);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** Deletes write-ahead segments whose events are all committed; empties the open one. */
  forgetCommitted(): void {
    for (const segment of [...this.list]) {
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

  /** Syncs and closes every file; empty ones are deleted, the rest wait for the next start. */
  close(): void {
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    this.current = null;
    for (const segment of [...this.list]) {
      if (segment.fd !== null) {
        fdatasyncSync(segment.fd);
        closeSync(segment.fd);
        segment.fd = null;
      }
      if (segment.lines === 0 && segment.bytes === 0) this.drop(segment);
    }
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
