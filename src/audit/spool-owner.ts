/**
 * Who wrote a spool segment, and whether that writer still runs. A segment's name carries its
 * writer's pid and, where /proc tells it, that process's start time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot). A pid alone is not enough: after a reboot, or in a
 * container started again on the same data dir (its gateway is often pid 1 every time), the
 * pid belongs to another process, and a segment named by the pid only would wait for that
 * process to end before anyone replayed it. A live process with the pid but another start time
 * is not the writer.
 */
import { readFileSync } from 'node:fs';

export interface SpoolOwner {
  pid: number;
  /** Start time of the writing process; absent in names written without /proc (or before it was recorded). */
  start?: string;
}

/**
 * The start time of a live process, or undefined where it cannot be read (no /proc, the
 * process is gone or hidden from this user).
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Field 2 (the command name, in parentheses) may hold spaces and parentheses itself: the
  // fields are counted from after its closing one, where field 3 starts.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

let bootMs: number | undefined;

/** When the machine booted (`btime` of /proc/stat, whole seconds), in ms since the epoch. */
function bootTime(): number | undefined {
  if (bootMs === undefined) {
    try {
      const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1];
      if (btime !== undefined) bootMs = Number(btime) * 1000;
    } catch {
      return undefined;
    }
  }
  return bootMs;
}

/**
 * When a live process started, in ms since the epoch (to about a second: boot time is in whole
 * seconds, the start in ticks of USER_HZ, 100 a second on Linux), or undefined where /proc does
 * not tell.
 */
export function processStartedAt(pid: number): number | undefined {
  const ticks = processStartTime(pid);
  const boot = bootTime();
  return ticks === undefined || boot === undefined ? undefined : boot + Number(ticks) * 10;
}

/** Beyond the error of processStartedAt and of a file's mtime. */
const STARTED_AFTER_SLACK_MS = 2_000;

let self: SpoolOwner | undefined;

/** This process as the owner of the segments it writes. */
export function selfOwner(): SpoolOwner {
  if (!self || self.pid !== process.pid) {
    const start = processStartTime(process.pid);
    self = start === undefined ? { pid: process.pid } : { pid: process.pid, start };
  }
  return self;
}

/** The owner as a segment name spells it: `<pid>.<start>`, or `<pid>` without a start time. */
export function ownerToken(owner: SpoolOwner): string {
  return owner.start === undefined ? String(owner.pid) : `${owner.pid}.${owner.start}`;
}

/** Whether the owner is this very process (not an earlier one that had its pid). */
export function isSelf(owner: SpoolOwner): boolean {
  const me = selfOwner();
  return owner.pid === me.pid && (owner.start === undefined || owner.start === me.start);
}

/** Whether a process has this pid (one of another user's counts: EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the owner may still be writing. A live pid with another start time is someone else;
 * one whose start time cannot be read (another user's process under `hidepid`) is taken for
 * the owner: adopting the segments of a writer that still appends to them would be worse than
 * waiting. A segment named by the pid alone (written by Airlock before 2026-11-27, or without
 * /proc) is someone else's when the process with that pid started after `lastWriteMs`, the
 * segment's mtime: its writer wrote it while it ran. Without that, the spool an older build
 * left at a crash waited, after the upgrade, for whatever process had its pid to end.
 */
export function ownerAlive(owner: SpoolOwner, lastWriteMs?: number): boolean {
  if (!pidAlive(owner.pid)) return false;
  if (owner.start === undefined) {
    const started = lastWriteMs === undefined ? undefined : processStartedAt(owner.pid);
    return (
      started === undefined || lastWriteMs === undefined || started <= lastWriteMs + STARTED_AFTER_SLACK_MS
    );
  }
  const start = processStartTime(owner.pid);
  return start === undefined || start === owner.start;
}
