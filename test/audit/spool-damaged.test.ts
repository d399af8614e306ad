/**
 * A spool segment with a damaged line (changed on disk, or a torn last write) is replayed as far
 * as it reads back, said so, and kept aside as `*.damaged` instead of deleted: it is the only
 * copy of what the damaged line held.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spoolLine } from '../../src/audit/chain.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { sealedChain, tempDir } from './helpers.js';

describe('damaged audit spool lines', { timeout: 60_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('airlock-spool-damaged-');
  });
  after(() => tmp.cleanup());

  it('stores the intact events, warns, and keeps the segment as *.damaged', async () => {
    const dataDir = join(tmp.dir, 'data');
    const dir = join(dataDir, 'audit-spool');
    mkdirSync(dir, { recursive: true });
    const lines = sealedChain('torn', 10).map(spoolLine);
    // One byte of line 5 changed: its hash no longer matches (by a writer whose pid no process has).
    lines[4] = lines[4]!.replace('"model":"', '"model":"X');
    const text = lines.join('');
    writeFileSync(join(dir, 'spool-99999999.1-torn-000001.jsonl'), text, { mode: 0o600 });

    const warnings: string[] = [];
    const store = new SqliteAuditStore({ path: join(dataDir, 'audit.db') });
    const recorder = new AuditRecorder({ store, dataDir, onWarning: (m) => warnings.push(m) });
    await recorder.close();
    const stored = (await store.query({ instance: 'torn', limit: 100 })).events.map((e) => e.seq);
    await store.close();

    assert.deepEqual(
      stored.sort((a, b) => a - b),
      [1, 2, 3, 4, 6, 7, 8, 9, 10],
    );
    assert.equal(recorder.stats().damagedLines, 1);
    const left = readdirSync(dir);
    assert.equal(left.length, 1, String(left));
    assert.match(left[0]!, /\.jsonl\.damaged$/);
    assert.equal(readFileSync(join(dir, left[0]!), 'utf8'), text, 'kept as it was');
    assert.equal(warnings.length, 1, String(warnings));
    assert.match(
      warnings[0]!,
      /\(written as spool-99999999\.1-torn-000001\.jsonl\): 1 damaged line skipped on replay .*9 stored; the segment is kept as .*\.damaged/,
    );

    // Set aside for good: the next start neither adopts nor deletes it.
    const again = new SqliteAuditStore({ path: join(dataDir, 'audit.db') });
    const next = new AuditRecorder({ store: again, dataDir });
    await next.close();
    await again.close();
    assert.equal(next.stats().replayed, 0);
    assert.deepEqual(readdirSync(dir), left);
  });
});
