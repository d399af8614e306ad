/**
 * SqliteIdTracker (`vault: sqlite`): counts go on across a restart, the file holds neither the
 * place nor the id, and it stays bounded (faded and least recently seen counters go). Counted
 * in memory, written behind: within flushMs, at close, and as increments that add up when two
 * gateways share the file.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteIdTracker, TRACKING_FILE } from '../../src/detect/tracking-sqlite.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-tracking-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteIdTracker', () => {
  it('counts on after a restart, per place and id', async () => {
    const file = join(dir, 'restart', TRACKING_FILE);
    const first = new SqliteIdTracker(file);
    assert.equal(first.observe('system|system|', 'h1'), 1);
    assert.equal(first.observe('system|system|', 'h1'), 2);
    assert.equal(first.observe('header||x-session', 'h1'), 1);
    await first.close();
    const again = new SqliteIdTracker(file);
    assert.equal(again.observe('system|system|', 'h1'), 3);
    assert.equal(again.observe('system|system|', 'h2'), 1);
    assert.equal(again.observe('header||x-session', 'h1'), 2);
    await again.close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const bytes = readFileSync(file, 'latin1');
    assert.ok(!bytes.includes('x-session') && !bytes.includes('system|'), 'places are hashed');
  });

  it('forgets counters not seen for ttlSeconds, and keeps the maxEntries most recently seen', async () => {
    const file = join(dir, 'bounded', TRACKING_FILE);
    let now = 1_000_000;
    const opts = { maxEntries: 3, ttlSeconds: 60, now: () => now };
    const first = new SqliteIdTracker(file, opts);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      first.observe('p', id);
      now += 1000;
    }
    await first.close();
    // Pruned at start: a, b were the least recently seen of five.
    const second = new SqliteIdTracker(file, opts);
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => second.observe('p', id)),
      [1, 1, 2],
    );
    await second.close();
    now += 61_000; // none seen within the last minute: all fade
    const third = new SqliteIdTracker(file, opts);
    assert.equal(third.observe('p', 'c'), 1);
    await third.close();
  });

  it('writes its counts behind, within flushMs, as increments two gateways add up', async () => {
    const file = join(dir, 'shared', TRACKING_FILE);
    const a = new SqliteIdTracker(file, { flushMs: 10 });
    const b = new SqliteIdTracker(file, { flushMs: 60_000 });
    assert.equal(a.observe('p', 'x'), 1);
    assert.equal(a.observe('p', 'x'), 2);
    assert.equal(written(file, 'p', 'x'), 0, 'counted in memory first');
    // Neither closed nor flushed by hand: a's timer writes them, and b, which never saw x, reads them.
    await until(() => written(file, 'p', 'x') === 2, "a's write");
    assert.equal(b.observe('p', 'x'), 3);
    assert.equal(a.observe('p', 'x'), 3, 'a counts what it knows; the file adds both up');
    await a.close();
    await b.close();
    assert.equal(written(file, 'p', 'x'), 4);
    const after = new SqliteIdTracker(file);
    assert.equal(after.observe('p', 'x'), 5);
    await after.close();
  });

  it('refuses a file written by a newer Airlock (a table of a later layout), and leaves it as it was', async () => {
    const file = join(dir, 'newer', TRACKING_FILE);
    const first = new SqliteIdTracker(file);
    assert.equal(first.observe('p', 'x'), 1);
    await first.close();
    const db = new Database(file);
    db.exec('CREATE TABLE tracking_counts_v2 (key TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    db.close();
    assert.throws(
      () => new SqliteIdTracker(file),
      /the tracking statistics \S+tracking\.db cannot be opened: it was written by a newer Airlock \(tables tracking_counts_v2; this one reads layout v1\): run that version or a newer one/,
    );
    assert.equal(written(file, 'p', 'x'), 1, 'its counts are untouched');
    // A table of another file's prefix (or of this layout) is no reason to refuse.
    const other = new Database(file);
    other.exec('DROP TABLE tracking_counts_v2; CREATE TABLE vault_originals_v9 (a TEXT)');
    other.close();
    const again = new SqliteIdTracker(file);
    assert.equal(again.observe('p', 'x'), 2);
    await again.close();
  });
});

/** The count the file holds for (place, id), read as another process would. */
function written(file: string, place: string, id: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const key = `${createHash('sha256').update(place).digest('hex').slice(0, 16)}:${id}`;
    const row = db.prepare('SELECT n FROM tracking_counts_v1 WHERE key = ?').get(key) as
      { n: number } | undefined;
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}
