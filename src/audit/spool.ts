/**
 * The spool: append-only JSONL segment files in `<dataDir>/audit-spool/`, one line per sealed
 * event (see chain.ts spoolLine). The recorder writes each event here before the store has it
 * (write-ahead) or when the store is down, and deletes a segment once every event in it is
 * committed. File names carry the writer (pid and process start time, spool-owner.ts) and
 * instance, so a later process can tell the segments of a dead writer (kill -9, crash) and adopt
 * them for replay.
 */
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSpoolLine } from './chain.js';
import { isSelf, ownerAlive, ownerToken, selfOwner, type SpoolOwner } from './spool-owner.js';
import type { SealedEvent } from './types.js';

export const SPOOL_DIR = 'audit-spool';
/** `spool-<pid>[.<start>]-<instance>-<n>.jsonl`; names without the start time are older ones. */
const NAME = /^spool-(\d+)(?:\.(\d+))?-([A-Za-z0-9_-]+)-(\d+)\.jsonl$/;

/** What a segment set aside for having damaged lines is renamed to: never adopted again. */
export const DAMAGED_SUFFIX = '.damaged';

export interface Segment {
  path: string;
  /** Open while this is the segment being appended to. */
  fd: number | null;
  bytes: number;
  /** Lines written (or found, for adopted segments). */
  lines: number;
  /** Events of this segment still held in memory and not yet committed. */
  pending: number;
  /** Its events are not in memory: replay reads the file. */
  diskOnly: boolean;
  /** For an adopted segment: its name as its writer left it (it is renamed to the adopter's). */
  writtenAs?: string;
}

export function spoolDir(dataDir: string): string {
  return join(dataDir, SPOOL_DIR);
}

export function segmentPath(dir: string, instance: string, n: number): string {
  return join(dir, `spool-${ownerToken(selfOwner())}-${instance}-${String(n).padStart(6, '0')}.jsonl`);
}

export function openSegment(path: string, diskOnly: boolean): Segment {
  const fd = openSync(path, 'a', 0o600);
  return { path, fd, bytes: 0, lines: 0, pending: 0, diskOnly };
}

export function appendLine(segment: Segment, line: string | Uint8Array): void {
  if (segment.fd === null) throw new Error(`spool segment ${segment.path} is closed`);
  // Two calls only because TypeScript resolves no writeSync overload for the union.
  segment.bytes += typeof line === 'string' ? writeSync(segment.fd, line) : writeSync(segment.fd, line);
  segment.lines++;
}

/**
 * Appends several lines with one system call: lines that lie one after the other in memory (the
 * recorder's slab) are written as one piece, the rest beside them (writev).
 */
export function appendLines(segment: Segment, lines: readonly Uint8Array[]): void {
  if (segment.fd === null) throw new Error(`spool segment ${segment.path} is closed`);
  const pieces: Uint8Array[] = [];
  let last: Uint8Array | undefined;
  for (const line of lines) {
    if (last && last.buffer === line.buffer && last.byteOffset + last.byteLength === line.byteOffset) {
      last = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + line.byteLength);
      pieces[pieces.length - 1] = last;
    } else {
      last = line;
      pieces.push(line);
    }
  }
  segment.bytes += pieces.length === 1 ? writeSync(segment.fd, pieces[0]!) : writevSync(segment.fd, pieces);
  segment.lines += lines.length;
}

/** Deletes a segment's file in the background (off the event loop); a file already gone is fine. */
export async function unlinkSegmentFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** What waits in a spool: events not yet in the store (and so not in its chain). */
export interface SpoolBacklog {
  dir: string;
  /** Segment files (`spool-*.jsonl`), set-aside damaged ones not counted. */
  segments: number;
  /** Their intact events. */
  events: number;
}

/**
 * Counts the segments in `dir` and their events, reading only: a gateway replays them into the
 * store at its next start (or as its store comes back). A directory absent is an empty spool.
 */
export function spoolBacklog(dir: string): SpoolBacklog {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, segments: 0, events: 0 };
    throw err;
  }
  let segments = 0;
  let events = 0;
  for (const name of names) {
    if (!NAME.test(name)) continue;
    try {
      events += readSegment(join(dir, name)).events.length;
      segments++;
    } catch (err) {
      // Replayed and deleted by its gateway meanwhile.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return { dir, segments, events };
}

/** Every intact event of a segment, in order; damaged lines (a torn last write) are counted. */
export function readSegment(path: string): { events: SealedEvent[]; damaged: number } {
  const events: SealedEvent[] = [];
  let damaged = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const sealed = parseSpoolLine(line);
    if (sealed) events.push(sealed);
    else damaged++;
  }
  return { events, damaged };
}

/**
 * Keeps a segment whose lines did not all read back (spool.ts readSegment) beside the spool
 * instead of deleting it: its intact events are stored, and the file is the only copy of what
 * the damaged lines held. Returns the new path.
 */
export function setAsideDamaged(path: string): string {
  const aside = `${path}${DAMAGED_SUFFIX}`;
  renameSync(path, aside);
  return aside;
}

/**
 * Takes over the segments of writers that are gone: another process that died (spool-owner.ts
 * tells a live owner from a newcomer with its pid), or an earlier recorder of this process that
 * was closed while its store was down. Renaming is atomic, so two processes starting together
 * never both adopt the same file.
 */
export function adoptOrphans(
  dir: string,
  liveInstances: ReadonlySet<string>,
  rename: () => string,
): Segment[] {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return [];
  }
  const found = readdirSync(dir)
    .map((name) => ({ name, m: NAME.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .filter(({ name, m }) => {
      const owner: SpoolOwner =
        m[2] === undefined ? { pid: Number(m[1]) } : { pid: Number(m[1]), start: m[2] };
      if (isSelf(owner)) return !liveInstances.has(m[3] ?? '');
      // A name without the start time: when the segment was last written tells its writer.
      const written =
        owner.start === undefined ? statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs : undefined;
      return !ownerAlive(owner, written);
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const adopted: Segment[] = [];
  for (const { name } of found) {
    const target = rename();
    try {
      renameSync(join(dir, name), target);
    } catch {
      continue; // another process adopted it first
    }
    const bytes = statSync(target).size;
    if (bytes === 0) {
      unlinkSync(target);
      continue;
    }
    let lines = 0;
    for (const byte of readFileSync(target)) if (byte === 0x0a) lines++;
    adopted.push({ path: target, fd: null, bytes, lines, pending: 0, diskOnly: true, writtenAs: name });
  }
  return adopted;
}
