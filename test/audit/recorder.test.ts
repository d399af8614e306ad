/** The recorder: batching, graceful close, chain order, sanitized events, listener, counters. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { documentOf, sha256Hex, storedForm } from '../../src/audit/chain.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { segmentPath } from '../../src/audit/spool.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { ThreadedSqliteStore } from '../../src/audit/sqlite-threaded.js';
import { sampleInput, STORE_KINDS, tempDir, type OpenedStore } from './helpers.js';
import type { AuditEventInput } from '../../src/audit/event.js';

async function spoolFiles(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, 'audit-spool')).catch(() => [])).filter((f) => f.endsWith('.jsonl'));
}

for (const kind of STORE_KINDS) {
  describe(`audit recorder: ${kind.name}`, () => {
    let opened: OpenedStore;
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    before(async () => {
      opened = await kind.open();
      tmp = await tempDir();
    });
    after(async () => {
      await opened.cleanup();
      await tmp.cleanup();
    });

    it('flushes everything on close, in chain order, and leaves no spool behind', async () => {
      // A long interval and a big batch: nothing reaches the store before close().
      const recorder = new AuditRecorder({
        store: opened.store,
        dataDir: tmp.dir,
        instance: 'close-test',
        flushIntervalMs: 60_000,
        batchSize: 10_000,
      });
      const ids: string[] = [];
      for (let i = 1; i <= 500; i++) ids.push(recorder.record(sampleInput(i, Date.now()))!.id);
      assert.equal(recorder.stats().queueDepth, 500);
      assert.equal((await opened.store.query({ instance: 'close-test' })).events.length, 0);
      await recorder.close();
      const stored = await opened.store.query({ instance: 'close-test', order: 'asc', limit: 1000 });
      assert.deepEqual(stored.events.map((e) => e.id).sort(), [...ids].sort());
      assert.deepEqual(
        stored.events.map((e) => e.seq).sort((a, b) => a - b),
        Array.from({ length: 500 }, (_, i) => i + 1),
      );
      assert.equal((await opened.store.verify()).ok, true);
      assert.deepEqual(await spoolFiles(tmp.dir), []);
      assert.equal(recorder.stats().committed, 500);
      assert.equal(recorder.record(sampleInput(1, Date.now())), undefined, 'closed recorders take nothing');
    });

    it('writes the spool lines of events recorded grouped in one turn together, at its end', async () => {
      const dataDir = join(tmp.dir, 'grouped');
      const recorder = new AuditRecorder({
        store: opened.store,
        dataDir,
        instance: 'grouped-test',
        flushIntervalMs: 60_000,
      });
      // Read synchronously: an await would let the turn end, and the group be written.
      const spooled = (): number[] => {
        const dir = join(dataDir, 'audit-spool');
        const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
        return files
          .sort()
          .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { event: { seq: number } }).event.seq);
      };
      const first = Array.from({ length: 5 }, (_, i) =>
        recorder.recordGrouped(sampleInput(i + 1, Date.now()))!,
      );
      assert.deepEqual(spooled(), [], 'nothing written before the turn ends');
      assert.equal(recorder.stats().queueDepth, 5);
      const written = first[0]!.written!;
      for (const r of first) assert.equal(r.written, written, 'one write for the turn');
      await written;
      assert.deepEqual(spooled(), [1, 2, 3, 4, 5]);
      // record() writes what is still grouped first: the spool keeps chain order.
      const second = recorder.recordGrouped(sampleInput(6, Date.now()))!;
      assert.notEqual(second.written, written, 'a new turn, a new write');
      recorder.record(sampleInput(7, Date.now()));
      assert.deepEqual(spooled(), [1, 2, 3, 4, 5, 6, 7]);
      await second.written;
      // flush() writes a group before it waits for the store.
      recorder.recordGrouped(sampleInput(8, Date.now()));
      await recorder.flush();
      const stored = await opened.store.query({ instance: 'grouped-test', order: 'asc', limit: 100 });
      assert.deepEqual(
        stored.events.map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      await recorder.close();
      assert.equal(recorder.recordGrouped(sampleInput(9, Date.now())), undefined, 'closed: dropped');
      assert.equal((await opened.store.verify()).ok, true);
    });

    it('answers grouped records at once without write-ahead (durability: memory)', async () => {
      const recorder = new AuditRecorder({
        store: opened.store,
        dataDir: join(tmp.dir, 'grouped-memory'),
        instance: 'grouped-memory',
        durability: 'memory',
      });
      const recorded = recorder.recordGrouped(sampleInput(1, Date.now()))!;
      assert.equal(recorded.written, undefined);
      assert.equal(recorded.event.seq, 1);
      await recorder.close();
      assert.equal((await opened.store.query({ instance: 'grouped-memory' })).events.length, 1);
    });

    it('flushes in batches while running and reports queue depth and events to listeners', async () => {
      const recorder = new AuditRecorder({
        store: opened.store,
        dataDir: tmp.dir,
        instance: 'batch-test',
        batchSize: 50,
      });
      const seen: string[] = [];
      const unsubscribe = recorder.onEvent((e) => seen.push(e.id));
      for (let i = 1; i <= 120; i++) recorder.record(sampleInput(i, Date.now()));
      unsubscribe();
      recorder.record(sampleInput(121, Date.now()));
      assert.equal(seen.length, 120);
      await recorder.flush();
      assert.equal(recorder.stats().queueDepth, 0);
      assert.equal(recorder.stats().committed, 121);
      assert.equal((await opened.store.query({ instance: 'batch-test', limit: 1000 })).events.length, 121);
      await recorder.close();
    });

    it('stores the documents it hashed, byte for byte, as text (non-ASCII and astral characters too)', async () => {
      const recorder = new AuditRecorder({ store: opened.store, dataDir: tmp.dir, instance: 'bytes-test' });
      const docs = new Map<string, string>();
      for (let i = 1; i <= 40; i++) {
        // Slabs fill up: some lines start a new one (a long forensic-free model name makes them big).
        const input = { ...sampleInput(i, Date.now()), model: `m…😀-${'x'.repeat(i * 5)}`, user: `ü${i}` };
        const event = recorder.record(input)!;
        const { hash, ...unsigned } = event;
        docs.set(event.id, JSON.stringify(storedForm(unsigned)));
        assert.equal(hash, sha256Hex(docs.get(event.id)!));
      }
      await recorder.close();
      const stored = await opened.store.query({ instance: 'bytes-test', limit: 100 });
      assert.equal(stored.events.length, 40);
      for (const e of stored.events) {
        const { hash, ...unsigned } = e;
        assert.equal(JSON.stringify(storedForm(unsigned)), docs.get(e.id));
        assert.equal(documentOf(e), docs.get(e.id));
        assert.equal(hash, sha256Hex(docs.get(e.id)!));
      }
      if (opened.store instanceof SqliteAuditStore || opened.store instanceof ThreadedSqliteStore) {
        const kinds = opened.store
          .database()
          .prepare("SELECT DISTINCT typeof(doc) AS t FROM audit_events WHERE instance = 'bytes-test'")
          .all();
        assert.deepEqual(kinds, [{ t: 'text' }]);
      }
      assert.equal((await opened.store.verify()).ok, true);
    });

    it('stores only audit fields: no query-string key, no raw user agent, no smuggled field', async () => {
      const recorder = new AuditRecorder({
        store: opened.store,
        dataDir: tmp.dir,
        instance: 'sanitize-test',
        forensicMaxBytes: 16,
      });
      const input = {
        ...sampleInput(5, Date.now()),
        path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=AIzaPLANTEDSECRET',
        userAgent: 'claude-cli/1.0.0 (external, cli) host=dev-box-42',
        headers: { authorization: 'Bearer sk-ant-PLANTED' },
        apiKey: 'sk-ant-PLANTED',
        forensicBody: '{"messages":"a long body that is cut"}',
      } as AuditEventInput;
      const event = recorder.record(input)!;
      await recorder.close();
      const stored = await opened.store.get(event.id);
      const text = JSON.stringify(stored);
      assert.ok(!text.includes('PLANTED'), text);
      assert.ok(!text.includes('dev-box-42'), text);
      assert.equal(stored?.path, '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
      assert.equal(stored?.client.agent, 'claude-code');
      assert.deepEqual(stored?.forensic, { body: '{"messages":"a l', bytes: 38, truncated: true });
      assert.equal(stored?.findings[0]?.path, '$.messages[0].content');
    });
  });
}

describe('audit recorder batches', () => {
  it('sends full batches under load: what arrives during an append waits for a batch or the timer', async () => {
    const tmp = await tempDir();
    const store = new SqliteAuditStore({ path: join(tmp.dir, 'audit.db') });
    const sizes: number[] = [];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const append = store.append.bind(store);
    store.append = async (batch) => {
      sizes.push(batch.length);
      await gate;
      await append(batch);
    };
    const recorder = new AuditRecorder({ store, dataDir: tmp.dir, batchSize: 10, flushIntervalMs: 60_000 });
    const settle = async (done: () => boolean) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 2));
      assert.ok(done(), 'settled');
    };
    try {
      let n = 0;
      const record = (count: number) => {
        for (let i = 0; i < count; i++) recorder.record(sampleInput(++n, Date.now()));
      };
      record(10); // a full batch goes at once
      await settle(() => sizes.length === 1);
      record(5); // arrive while it is in flight
      open();
      await settle(() => recorder.stats().committed >= 10);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(sizes, [10], 'five events wait for a full batch');
      record(5);
      await settle(() => recorder.stats().committed === 20);
      record(1);
      await recorder.flush(); // drains a partial batch
      assert.deepEqual(sizes, [10, 10, 1]);
      assert.equal(recorder.stats().queueDepth, 0);
    } finally {
      await recorder.close();
      await store.close();
      await tmp.cleanup();
    }
  });
});

describe('audit recorder on a full disk', () => {
  it('keeps the events in memory, still answers grouped records, and refuses new requests under block', async () => {
    const tmp = await tempDir();
    const store = new SqliteAuditStore({ path: join(tmp.dir, 'audit.db') });
    const instance = 'full-disk';
    // The recorder's first segment, where it will open it, is /dev/full: every write fails
    // with ENOSPC, as on a full disk.
    const spool = join(tmp.dir, 'audit-spool');
    mkdirSync(spool, { recursive: true });
    symlinkSync('/dev/full', segmentPath(spool, instance, 1));
    const errors: unknown[] = [];
    const recorder = new AuditRecorder({
      store,
      dataDir: tmp.dir,
      instance,
      flushIntervalMs: 60_000,
      onError: (err) => errors.push(err),
    });
    try {
      assert.equal(recorder.accepting(), true);
      const grouped = recorder.recordGrouped(sampleInput(1, Date.now()))!;
      await grouped.written; // settles although the write failed: no answer is held forever
      assert.equal(recorder.accepting(), false, 'block: no new requests while the spool cannot be written');
      assert.match(recorder.stats().lastError ?? '', /spool write failed: ENOSPC/);
      recorder.record(sampleInput(2, Date.now()));
      assert.equal(errors.length, 2);
      assert.equal(recorder.stats().queueDepth, 2, 'kept in memory');
      await recorder.flush();
      const stored = await store.query({ instance, order: 'asc' });
      assert.deepEqual(
        stored.events.map((e) => e.seq),
        [1, 2],
      );
      assert.equal((await store.verify()).ok, true);
      // Its sync of the segment fails too: reported, and the stop goes on.
      await recorder.close({ timeoutMs: 1000 });
      assert.equal(errors.length, 3);
    } finally {
      await recorder.close({ timeoutMs: 1000 });
      await store.close();
      await tmp.cleanup();
    }
  });
});
