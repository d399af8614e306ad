/** Tamper evidence: rows edited, deleted or reordered directly in SQL are named by verify. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical.js';
import { sealOrdered, sha256Hex } from '../../src/audit/chain.js';
import { formatEvent } from '../../src/audit/export.js';
import { GENESIS_HASH, type AuditEvent } from '../../src/audit/types.js';
import { sealedChain, STORE_KINDS, type OpenedStore } from './helpers.js';

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

for (const kind of STORE_KINDS) {
  describe(`audit verify: ${kind.name}`, () => {
    let opened: OpenedStore;
    const chainA = sealedChain('inst-a', 30);
    const chainB = sealedChain('inst-b', 20);

    beforeEach(async () => {
      opened = await kind.open();
      await opened.store.append([...chainA, ...chainB]);
    });
    afterEach(async () => opened.cleanup());

    const where = (instance: string, seq: number) => `WHERE instance = '${instance}' AND seq = ${seq}`;

    it('accepts an untouched log and reports each chain head', async () => {
      const report = await opened.store.verify();
      assert.equal(report.ok, true);
      assert.equal(report.events, 50);
      assert.deepEqual(
        report.instances.map((c) => [c.instance, c.events, c.lastSeq, c.head]),
        [
          ['inst-a', 30, 30, chainA[29]!.event.hash],
          ['inst-b', 20, 20, chainB[19]!.event.hash],
        ],
      );
    });

    it('verifies, reads and exports a chain written partly before findings were stored as runs', async () => {
      // Seq 1-6 in the first format (one object per finding), 7-12 as runs, one chain.
      const events = sealedChain('inst-old', 12).map((sealed) => {
        const { hash: _hash, ...unsigned } = sealed.event;
        return unsigned;
      });
      let prevHash = GENESIS_HASH;
      const chain = events.map((unsigned, i) => {
        const u = { ...unsigned, prev_hash: prevHash };
        const sealed = i < 6 ? { event: u as AuditEvent, doc: JSON.stringify(u) } : sealOrdered(u);
        sealed.event.hash = prevHash = sha256Hex(sealed.doc);
        return sealed;
      });
      assert.ok(chain.slice(0, 6).some((s) => s.event.findings.length && s.doc.includes('"path":')));
      assert.ok(chain.slice(6).some((s) => s.event.findings.length && s.doc.includes('"at":')));
      await opened.store.append(chain);
      assert.equal((await opened.store.verify()).ok, true);
      for (const { event, doc } of chain) {
        const read = await opened.store.get(event.id);
        assert.deepEqual(read, event);
        assert.equal(formatEvent(read!, 'jsonl'), `${doc.slice(0, -1)},"hash":"${event.hash}"}\n`);
      }
    });

    it('tells its progress after each batch of rows, up to every event', async () => {
      const seen: number[] = [];
      assert.equal((await opened.store.verify({ onProgress: (n) => seen.push(n) })).ok, true);
      assert.ok(seen.length >= 1);
      assert.ok(seen.every((n, i) => i === 0 || n > seen[i - 1]!));
      assert.equal(seen[seen.length - 1], 50);
    });

    it('names a row whose content was edited', async () => {
      await opened.exec(
        `UPDATE $events SET doc = replace(doc, '"bytes_out":2000', '"bytes_out":1') ${where('inst-a', 12)}`,
      );
      const report = await opened.store.verify();
      assert.equal(report.ok, false);
      assert.equal(report.problems.length, 1);
      const p = report.problems[0]!;
      assert.deepEqual([p.instance, p.seq, p.kind, p.id], ['inst-a', 12, 'edited', chainA[11]!.event.id]);
      assert.match(p.message, /edited/);
      assert.equal(report.instances.find((c) => c.instance === 'inst-b')?.ok, true);
    });

    it('finds an edit whose hash was recomputed at the next link', async () => {
      const event = { ...chainA[11]!.event, bytes_out: 1 };
      const { hash: _old, ...unsigned } = event;
      const doc = canonicalJson(unsigned);
      await opened.exec(
        `UPDATE $events SET doc = ${sqlText(doc)}, hash = '${sha256Hex(doc)}' ${where('inst-a', 12)}`,
      );
      const [p] = (await opened.store.verify()).problems;
      assert.equal(p?.seq, 13);
      assert.match(p?.message ?? '', /does not link to the hash of seq 12/);
    });

    it('names the row after a deleted one', async () => {
      await opened.exec(`DELETE FROM $events ${where('inst-b', 7)}`);
      const [p] = (await opened.store.verify()).problems;
      assert.deepEqual([p?.instance, p?.seq, p?.kind], ['inst-b', 8, 'deleted']);
      assert.match(p?.message ?? '', /seq 7 missing/);
    });

    it('names reordered rows (seq values swapped)', async () => {
      await opened.exec(`UPDATE $events SET seq = -1 ${where('inst-a', 5)}`);
      await opened.exec(`UPDATE $events SET seq = 5 ${where('inst-a', 6)}`);
      await opened.exec(`UPDATE $events SET seq = 6 ${where('inst-a', -1)}`);
      const [p] = (await opened.store.verify()).problems;
      assert.deepEqual([p?.seq, p?.kind], [5, 'reordered']);
    });

    it('names whole rows swapped (documents and hashes moved together)', async () => {
      const a = chainA[4]!;
      const b = chainA[5]!;
      await opened.exec(
        `UPDATE $events SET id = 'tmp-a', doc = ${sqlText(b.doc)}, hash = '${b.event.hash}' ${where('inst-a', 5)}`,
      );
      await opened.exec(
        `UPDATE $events SET id = '${b.event.id}X', doc = ${sqlText(a.doc)}, hash = '${a.event.hash}' ${where('inst-a', 6)}`,
      );
      const [p] = (await opened.store.verify()).problems;
      assert.equal(p?.seq, 5);
      assert.equal(p?.kind, 'reordered');
    });

    it('names a row whose indexed time was moved', async () => {
      await opened.exec(`UPDATE $events SET ts = ts + 3600000 ${where('inst-b', 3)}`);
      const [p] = (await opened.store.verify()).problems;
      assert.deepEqual([p?.instance, p?.seq, p?.kind], ['inst-b', 3, 'edited']);
    });

    it('prunes no event younger than the cut, though a long request recorded after younger ones', async () => {
      // Seq 4 is a request that came first and ended last: its event follows three younger ones.
      const start = Date.parse('2027-01-01T00:00:00Z');
      const times = [0, start + 2000, start + 3000, start + 4000, start + 1000, start + 5000];
      const chain = sealedChain('inst-long', 5, start, (i) => times[i]!);
      await opened.store.append(chain);
      assert.equal(
        await opened.store.prune(new Date(start + 1500)),
        50,
        'inst-a and inst-b whole, none of inst-long',
      );
      const left = (await opened.store.verify()).instances.find((c) => c.instance === 'inst-long');
      assert.equal(left?.events, 5);
      assert.equal(await opened.store.prune(new Date(start + 4500)), 4, 'seq 1-4, all older than the cut');
      const report = await opened.store.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.deepEqual(
        report.instances.map((c) => [c.instance, c.events]),
        [['inst-long', 1]],
      );
    });

    it('keeps verifying after retention pruned the oldest rows, and still sees deletions', async () => {
      const cut = new Date(Date.parse(chainA[9]!.event.time) + 1);
      const deleted = await opened.store.prune(cut);
      assert.equal(deleted, 20); // seq 1..10 of both chains
      const report = await opened.store.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.events, 30);
      await opened.exec(`DELETE FROM $events ${where('inst-a', 11)}`);
      const [p] = (await opened.store.verify()).problems;
      assert.deepEqual([p?.seq, p?.kind], [12, 'deleted']);
    });
  });
}
