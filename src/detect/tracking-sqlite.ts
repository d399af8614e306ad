/**
 * The SQLite twin of MemoryIdTracker, for `vault: sqlite` (`<dataDir>/tracking.db`): the counts
 * survive a restart as the surrogates do. Kept in memory, they started again from 0 at each
 * start, so an id that had crossed the threshold (and was replaced) went out as it is for two
 * more requests, and where it sits in the system prompt or the tool definitions the provider's
 * prompt cache missed twice (the raw id back, then its stand-in again).
 *
 * One counter per (place, id hash), as in Redis: the place is hashed, the id is already a keyed
 * hash, so the file holds no id, header or path name. Counters not seen for `ttlSeconds` fade,
 * and at most `maxEntries` are kept (the least recently seen go first), as in memory.
 *
 * Counted in memory and written behind: the increments of the last `flushMs` go to the file in
 * one transaction, and at close. A commit per observation cost 70-90 µs of the event loop, a few
 * per request; a process killed loses at most `flushMs` of counts. Increments (not totals) are
 * written, so that gateways sharing the data dir add up.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { BoundedMemo } from '../bounded-memo.js';
import { openDataDirSqlite, refuseNewerLayout } from '../data-dir-sqlite.js';
import type { IdTracker } from './tracking.js';

export const TRACKING_FILE = 'tracking.db';

/** The layout of the tables (`tracking_*_v1`); a file with a later one is refused. */
const LAYOUT = 1;

/** Flushes between two prunings of faded and surplus counters. */
const PRUNE_EVERY = 64;

export interface SqliteIdTrackerOptions {
  /** Counters kept at most (default 100,000, as MemoryIdTracker). */
  maxEntries?: number;
  /** Seconds a counter lives after its last observation (default 30 days, as in Redis). */
  ttlSeconds?: number;
  /** Longest wait before counts are written (default 1000 ms). */
  flushMs?: number;
  now?: () => number;
}

export class SqliteIdTracker implements IdTracker {
  private readonly db: Database.Database;
  private readonly read: Database.Statement<[string], { n: number }>;
  private readonly write: (pending: ReadonlyMap<string, number>, seen: number) => void;
  private readonly prune: () => void;
  private readonly now: () => number;
  private readonly flushMs: number;
  /** Counts as this process knows them (the file's, plus what it added), most recent last. */
  private readonly counts: BoundedMemo<string, number>;
  /** Increments not written yet. */
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushes = 0;

  constructor(file: string, opts: SqliteIdTrackerOptions = {}) {
    this.db = openDataDirSqlite(
      file,
      (db) => {
        refuseNewerLayout(db, 'tracking', LAYOUT);
        db.exec(`
          CREATE TABLE IF NOT EXISTS tracking_counts_v1 (key TEXT PRIMARY KEY, n INTEGER NOT NULL, seen INTEGER NOT NULL);
          CREATE INDEX IF NOT EXISTS tracking_counts_v1_seen ON tracking_counts_v1 (seen);
        `);
      },
      (err) =>
        new Error(
          `the tracking statistics ${file} cannot be opened: ${err.message} ` +
            '(moving it aside starts counting afresh)',
          { cause: err },
        ),
    );
    this.now = opts.now ?? Date.now;
    this.flushMs = opts.flushMs ?? 1000;
    const maxEntries = opts.maxEntries ?? 100_000;
    this.counts = new BoundedMemo(maxEntries, 'oldest');
    this.read = this.db.prepare('SELECT n FROM tracking_counts_v1 WHERE key = ?');
    const add = this.db.prepare<[{ key: string; n: number; seen: number }]>(
      'INSERT INTO tracking_counts_v1 (key, n, seen) VALUES (@key, @n, @seen) ' +
        'ON CONFLICT (key) DO UPDATE SET n = n + @n, seen = @seen',
    );
    this.write = this.db.transaction((pending: ReadonlyMap<string, number>, seen: number) => {
      for (const [key, n] of pending) add.run({ key, n, seen });
    });
    const ttlMs = (opts.ttlSeconds ?? 30 * 24 * 3600) * 1000;
    const faded = this.db.prepare<[number]>('DELETE FROM tracking_counts_v1 WHERE seen < ?');
    const surplus = this.db.prepare<[number]>(
      'DELETE FROM tracking_counts_v1 WHERE key IN ' +
        '(SELECT key FROM tracking_counts_v1 ORDER BY seen DESC LIMIT -1 OFFSET ?)',
    );
    this.prune = () => {
      faded.run(this.now() - ttlMs);
      surplus.run(maxEntries);
    };
    this.prune();
  }

  observe(place: string, idHash: string): number {
    const key = `${createHash('sha256').update(place).digest('hex').slice(0, 16)}:${idHash}`;
    const added = (this.pending.get(key) ?? 0) + 1;
    this.pending.set(key, added);
    let n = this.counts.get(key);
    // Not known here yet (or forgotten): the file's count, and what is still to be written.
    n = n === undefined ? (this.read.get(key)?.n ?? 0) + added : n + 1;
    this.counts.delete(key); // re-inserted last: the least recently seen are forgotten first
    this.counts.set(key, n);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
    return n;
  }

  /** Writes the increments counted since the last flush. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    this.write(pending, this.now());
    if (++this.flushes % PRUNE_EVERY === 0) this.prune();
  }

  close(): Promise<void> {
    this.flush();
    this.db.close();
    return Promise.resolve();
  }
}
