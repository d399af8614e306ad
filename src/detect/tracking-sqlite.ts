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
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateFile } from '../private-file.js';
import type { IdTracker } from './tracking.js';

export const TRACKING_FILE = 'tracking.db';

/** Observations between two prunings of faded and surplus counters. */
const PRUNE_EVERY = 1024;

export interface SqliteIdTrackerOptions {
  /** Counters kept at most (default 100,000, as MemoryIdTracker). */
  maxEntries?: number;
  /** Seconds a counter lives after its last observation (default 30 days, as in Redis). */
  ttlSeconds?: number;
  now?: () => number;
}

export class SqliteIdTracker implements IdTracker {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement<[string, number], { n: number }>;
  private readonly prune: () => void;
  private readonly now: () => number;
  private observed = 0;

  constructor(file: string, opts: SqliteIdTrackerOptions = {}) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    createPrivateFile(file);
    chmodSync(file, 0o600);
    this.db = new Database(file);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      for (const side of [`${file}-wal`, `${file}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS tracking_counts_v1 (key TEXT PRIMARY KEY, n INTEGER NOT NULL, seen INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS tracking_counts_v1_seen ON tracking_counts_v1 (seen);
      `);
    } catch (err) {
      this.db.close();
      throw new Error(
        `the tracking statistics ${file} cannot be opened: ${(err as Error).message} ` +
          '(moving it aside starts counting afresh)',
        { cause: err },
      );
    }
    this.now = opts.now ?? Date.now;
    this.upsert = this.db.prepare(
      'INSERT INTO tracking_counts_v1 (key, n, seen) VALUES (?, 1, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET n = n + 1, seen = excluded.seen RETURNING n',
    );
    const maxEntries = opts.maxEntries ?? 100_000;
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
    const n = (this.upsert.get(key, this.now()) as { n: number }).n;
    if (++this.observed % PRUNE_EVERY === 0) this.prune();
    return n;
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
