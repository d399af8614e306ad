/** The store contract, run against SQLite and the real PostgreSQL alike. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '../../src/audit/types.js';
import { buildEventBody } from '../../src/audit/event.js';
import { documentOf, eventFromDoc, seal } from '../../src/audit/chain.js';
import { GENESIS_HASH } from '../../src/audit/types.js';
import { ulid } from '../../src/audit/ulid.js';
import { findingDecision, sampleInput, sealedChain, STORE_KINDS, type OpenedStore } from './helpers.js';

async function allPages(
  opened: OpenedStore,
  filter: Parameters<OpenedStore['store']['query']>[0],
): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await opened.store.query({ ...filter, cursor });
    out.push(...page.events);
    if (!page.next) return out;
    cursor = page.next;
  }
  throw new Error('paging did not end');
}

for (const kind of STORE_KINDS) {
  describe(`audit store: ${kind.name}`, () => {
    let opened: OpenedStore;
    const chainA = sealedChain('inst-a', 60);
    const chainB = sealedChain('inst-b', 40, Date.parse('2026-01-01T00:00:30Z'));

    before(async () => {
      opened = await kind.open();
      await opened.store.append(chainA.slice(0, 30));
      await opened.store.append([...chainA.slice(30), ...chainB]);
      // A replayed batch (crash between commit and spool truncation) must insert nothing twice.
      await opened.store.append(chainA.slice(20, 40));
    });
    after(async () => opened.cleanup());

    it('stores each event once and returns it as recorded', async () => {
      const all = await allPages(opened, { limit: 1000 });
      assert.equal(all.length, 100);
      const first = chainA[0]!.event;
      assert.deepEqual(await opened.store.get(first.id), first);
      assert.equal(await opened.store.get('no-such-id'), undefined);
    });

    it('streams every row for verification in (instance, seq) order, in batches of the size asked', async () => {
      const batches: { instance: string; seq: number; hash: string }[][] = [];
      for await (const batch of opened.store.chainRows(7)) batches.push(batch);
      assert.ok(batches.every((b) => b.length > 0 && b.length <= 7));
      assert.deepEqual(
        batches.flat().map((r) => [r.instance, r.seq, r.hash]),
        [...chainA, ...chainB].map((s) => [s.event.instance, s.event.seq, s.event.hash]),
      );
    });

    it('streams a time range as stored, oldest first, in batches of the size asked (audit export)', async () => {
      for (const range of [
        {},
        { since: new Date('2026-01-01T00:00:20Z'), until: new Date('2026-01-01T00:00:45Z') },
        { until: new Date('2026-01-01T00:00:31Z') },
      ]) {
        const batches: { hash: string; doc: Buffer }[][] = [];
        for await (const batch of opened.store.storedDocs(range, 7)) batches.push(batch);
        assert.ok(batches.every((b) => b.length > 0 && b.length <= 7));
        const expected = await allPages(opened, { ...range, order: 'asc', limit: 1000 });
        const rows = batches.flat();
        assert.equal(rows.length, expected.length);
        rows.forEach((row, i) => {
          const event = expected[i]!;
          assert.equal(row.hash, event.hash);
          // The bytes as stored, which the hash covers: nothing re-encoded on the way out.
          assert.ok(row.doc.equals(Buffer.from(documentOf(event)!, 'utf8')), `document of ${event.id}`);
          assert.deepEqual(eventFromDoc(row.doc.toString('utf8'), row.hash), event);
        });
      }
    });

    it('pages newest first and oldest first without gaps or repeats', async () => {
      const desc = await allPages(opened, { limit: 7 });
      const asc = await allPages(opened, { limit: 13, order: 'asc' });
      assert.equal(desc.length, 100);
      assert.deepEqual(
        desc.map((e) => e.id),
        asc.map((e) => e.id).reverse(),
      );
      const times = asc.map((e) => Date.parse(e.time));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
      );
    });

    it('filters by decision, kind, rule, category, severity, instance and time', async () => {
      const events = [...chainA, ...chainB].map((s) => s.event);
      const expect = (pred: (e: AuditEvent) => boolean) =>
        events
          .filter(pred)
          .map((e) => e.id)
          .sort();
      const got = async (f: Parameters<OpenedStore['store']['query']>[0]) =>
        (await allPages(opened, { ...f, limit: 9 })).map((e) => e.id).sort();
      assert.deepEqual(
        await got({ decision: 'block' }),
        expect((e) => e.decision === 'block'),
      );
      assert.deepEqual(
        await got({ decision: ['block', 'pseudonymize'] }),
        expect((e) => e.decision === 'block' || e.decision === 'pseudonymize'),
      );
      assert.deepEqual(
        await got({ kind: 'egress' }),
        expect((e) => e.kind === 'egress'),
      );
      assert.deepEqual(
        await got({ rule: 'aws-access-key' }),
        expect((e) => e.findings.some((f) => f.ruleId === 'aws-access-key')),
      );
      assert.deepEqual(
        await got({ category: 'environment' }),
        expect((e) => e.findings.some((f) => f.category === 'environment')),
      );
      assert.deepEqual(
        await got({ minSeverity: 'critical' }),
        expect((e) => e.findings.some((f) => f.severity === 'critical')),
      );
      assert.deepEqual(
        await got({ hasFindings: false }),
        expect((e) => e.findings.length === 0),
      );
      assert.deepEqual(
        await got({ instance: 'inst-b', client: 'claude-code' }),
        expect((e) => e.instance === 'inst-b' && e.client.agent === 'claude-code'),
      );
      const since = new Date('2026-01-01T00:00:20Z');
      const until = new Date('2026-01-01T00:00:45Z');
      assert.deepEqual(
        await got({ since, until }),
        expect((e) => Date.parse(e.time) >= since.getTime() && Date.parse(e.time) < until.getTime()),
      );
      assert.ok((await got({ decision: 'block' })).length > 0, 'the fixture has blocked events');
    });

    it('counts per decision, category, rule and client over time buckets', async () => {
      const since = new Date('2026-01-01T00:00:00Z');
      const until = new Date('2026-01-01T00:02:00Z');
      const stats = await opened.store.stats({ since, until }, { bucketMs: 30_000, top: 3 });
      const events = [...chainA, ...chainB].map((s) => s.event);
      assert.equal(stats.buckets.length, 4);
      assert.equal(stats.totals.events, 100);
      assert.equal(stats.totals.egress, events.filter((e) => e.kind === 'egress').length);
      assert.equal(
        stats.totals.findings,
        events.reduce((n, e) => n + e.findings.length, 0),
      );
      const blocked = stats.decision.find((s) => s.key === 'block');
      assert.ok(blocked);
      for (let b = 0; b < 4; b++) {
        const lo = since.getTime() + b * 30_000;
        const want = events.filter(
          (e) => e.decision === 'block' && Date.parse(e.time) >= lo && Date.parse(e.time) < lo + 30_000,
        );
        assert.equal(blocked.counts[b], want.length, `bucket ${b}`);
      }
      const secret = stats.category.find((s) => s.key === 'secret');
      assert.equal(secret?.total, events.filter((e) => e.decision === 'block').length);
      assert.ok(stats.rule.length <= 3);
      assert.deepEqual(stats.client.map((s) => s.key).sort(), ['claude-code', 'openai-sdk']);
      const requestsOf = (agent: string) =>
        events.filter((e) => e.kind === 'request' && e.client.agent === agent).length;
      assert.deepEqual(
        Object.fromEntries(stats.requestClient.map((s) => [s.key, s.total])),
        Object.fromEntries(
          ['claude-code', 'openai-sdk'].map((a) => [a, requestsOf(a)]).filter(([, n]) => n !== 0),
        ),
        'requests per client, egress attempts left out',
      );
    });

    it('counts whole-minute buckets from the rollup exactly like the raw rows', async () => {
      const range = { since: new Date('2026-01-01T00:00:00Z'), until: new Date('2026-01-01T00:03:00Z') };
      const rollup = await opened.store.stats(range, { bucketMs: 60_000, top: 50 });
      const raw = await opened.store.stats(range, { bucketMs: 59_999, top: 50 });
      const events = [...chainA, ...chainB].map((s) => s.event);
      assert.equal(rollup.totals.events, 100, 'a replayed batch is not counted twice');
      assert.deepEqual(rollup.buckets, [
        '2026-01-01T00:00:00.000Z',
        '2026-01-01T00:01:00.000Z',
        '2026-01-01T00:02:00.000Z',
      ]);
      for (const dim of ['decision', 'kind', 'category', 'rule', 'client', 'requestClient'] as const) {
        const totals = (list: typeof rollup.decision) =>
          Object.fromEntries(list.map((s) => [s.key, s.total]));
        assert.deepEqual(totals(rollup[dim]), totals(raw[dim]), dim);
      }
      const perMinute = [0, 1, 2].map(
        (m) =>
          events.filter((e) => Math.floor((Date.parse(e.time) - range.since.getTime()) / 60_000) === m)
            .length,
      );
      const counted = [0, 1, 2].map((m) => rollup.decision.reduce((n, s) => n + (s.counts[m] ?? 0), 0));
      assert.deepEqual(counted, perMinute);
    });

    it('stores every finding of events with many, the same rule at many places included', async () => {
      // 0, 1, 31, 32, 33 and 70 distinct rules (across multi-row statement boundaries), then 15
      // findings of one rule and 12 + 3 of two (stored as one row per rule, counting them).
      const counts = [0, 1, 31, 32, 33, 70];
      const start = Date.parse('2026-02-01T00:00:00Z');
      const rulesOf = [
        ...counts.map((n) => Array.from({ length: n }, (_, k) => `many-${k}`)),
        Array.from({ length: 15 }, () => 'same-place'),
        Array.from({ length: 15 }, (_, k) => (k % 5 === 4 ? 'many-3' : 'same-place')),
      ];
      let prevHash = GENESIS_HASH;
      const batch = rulesOf.map((rules, i) => {
        const input = sampleInput(1, start + i * 1000);
        input.findings = rules.map((rule) => findingDecision(rule, 'environment'));
        const sealed = seal(buildEventBody(input), {
          id: ulid(start + i * 1000),
          instance: 'inst-many',
          seq: i + 1,
          prevHash,
        });
        prevHash = sealed.event.hash;
        return sealed;
      });
      await opened.store.append(batch);
      const ids = (rule: string) =>
        allPages(opened, { instance: 'inst-many', rule }).then((events) => events.map((e) => e.id).sort());
      const having = (rule: string) =>
        batch
          .filter((s) => s.event.findings.some((f) => f.ruleId === rule))
          .map((s) => s.event.id)
          .sort();
      for (const rule of ['many-0', 'many-3', 'many-30', 'many-31', 'many-32', 'many-69', 'same-place']) {
        assert.deepEqual(await ids(rule), having(rule), rule);
      }
      const range = { since: new Date(start), until: new Date(start + 60_000) };
      const findings = batch.flatMap((s) => s.event.findings);
      const expected = (rule: string) => findings.filter((f) => f.ruleId === rule).length;
      // Whole minutes read the rollup; other bucket widths group the finding rows themselves.
      for (const bucketMs of [60_000, 59_999]) {
        const stats = await opened.store.stats(range, { bucketMs, top: 200 });
        const total = (list: typeof stats.rule, key: string) => list.find((s) => s.key === key)?.total;
        assert.equal(total(stats.category, 'environment'), findings.length, `category, ${bucketMs} ms`);
        for (const rule of ['same-place', 'many-3', 'many-69'])
          assert.equal(total(stats.rule, rule), expected(rule), `${rule}, ${bucketMs} ms`);
      }
    });

    it('refuses a second writer of the same chain position instead of dropping it', async () => {
      const ours = sealedChain('dup-chain', 1)[0]!;
      const theirs = sealedChain('dup-chain', 1)[0]!; // same instance and seq, another id
      await opened.store.append([ours]);
      await opened.store.append([ours]); // a replay: fine
      await assert.rejects(opened.store.append([theirs]), /UNIQUE|unique|duplicate/);
      assert.equal((await opened.store.query({ instance: 'dup-chain' })).events.length, 1);
    });

    it('feeds new rows in insertion order from a cursor', async () => {
      const head = await opened.store.changes(undefined, 5);
      assert.equal(head.events.length, 5);
      const none = await opened.store.changes(head.cursor);
      assert.equal(none.events.length, 0);
      const fresh = sealedChain('inst-c', 3, Date.parse('2025-06-01T00:00:00Z'));
      await opened.store.append(fresh);
      const next = await opened.store.changes(head.cursor);
      assert.deepEqual(
        next.events.map((e) => e.id),
        fresh.map((s) => s.event.id),
      );
    });
  });
}
