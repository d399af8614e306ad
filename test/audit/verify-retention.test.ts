/**
 * `airlock audit verify` on a log that retention pruned: the OK output (text and --json) says
 * where each chain was cut and when, the oldest event kept, and the chains it emptied — on a
 * real SQLite file and the real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditStore } from '../../src/audit/store.js';
import type { VerifyReport } from '../../src/audit/verify.js';
import { runAuditVerify } from '../../src/cli/commands/audit.js';
import { captureIo, PG_URL, sealedChain, tempDir, uniqueSchema } from './helpers.js';

interface Kind {
  name: string;
  open(dir: string): { store: AuditStore; spec: string; drop(): Promise<void> };
}

const KINDS: Kind[] = [
  {
    name: 'SQLite',
    open: (dir) => {
      const path = join(dir, 'audit.db');
      return { store: new SqliteAuditStore({ path }), spec: `sqlite:${path}`, drop: async () => undefined };
    },
  },
  {
    name: 'PostgreSQL',
    open: () => {
      const schema = uniqueSchema();
      const store = new PostgresAuditStore({ url: PG_URL, schema });
      return {
        store,
        spec: `${PG_URL}?schema=${schema}`,
        drop: async () => void (await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
      };
    },
  },
];

for (const kind of KINDS) {
  describe(`audit verify after retention: ${kind.name}`, () => {
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    let opened: ReturnType<Kind['open']>;
    const chainA = sealedChain('inst-a', 30);
    // Half a second ahead of inst-a: its seq 11 is the oldest event left.
    const chainB = sealedChain('inst-b', 20, Date.parse('2025-12-31T23:59:59.500Z'));
    const chainC = sealedChain('inst-c', 3);
    before(async () => {
      tmp = await tempDir();
      opened = kind.open(tmp.dir);
      await opened.store.append([...chainA, ...chainB, ...chainC]);
    });
    after(async () => {
      await opened.drop();
      await opened.store.close();
      await tmp.cleanup();
    });

    it('says nothing of retention for a log it has not pruned', async () => {
      const report = await opened.store.verify();
      assert.equal(report.retention, undefined);
      const io = captureIo();
      assert.equal(await runAuditVerify({ store: opened.spec }, io), 0);
      assert.doesNotMatch(io.out(), /retention|pruned/);
    });

    it('shows where each chain was cut, when, the oldest event kept and the chains emptied', async () => {
      const cutAt = Date.now();
      // Seq 1-10 of inst-a and inst-b, all of inst-c (its three events are older still).
      assert.equal(await opened.store.prune(new Date(Date.parse(chainA[9]!.event.time) + 1)), 23);
      const json = captureIo();
      assert.equal(await runAuditVerify({ store: opened.spec, json: true }, json), 0, json.err());
      const report = JSON.parse(json.out()) as VerifyReport;
      assert.equal(report.ok, true);
      const [a, b] = report.instances;
      assert.deepEqual([a?.instance, a?.firstSeq, a?.pruned?.seq], ['inst-a', 11, 10]);
      assert.deepEqual([b?.instance, b?.firstSeq, b?.pruned?.seq], ['inst-b', 11, 10]);
      const at = Date.parse(a?.pruned?.at ?? '');
      assert.ok(at >= cutAt - 1000 && at <= Date.now(), `cut at ${a?.pruned?.at}`);
      const oldest = chainB[10]!.event;
      assert.deepEqual(report.retention?.oldestKept, {
        id: oldest.id,
        instance: 'inst-b',
        seq: 11,
        time: oldest.time,
      });
      assert.deepEqual(
        report.retention?.emptied.map((c) => [c.instance, c.seq]),
        [['inst-c', 3]],
      );
      const cuts = [a?.pruned?.at, b?.pruned?.at, report.retention?.emptied[0]?.at].map((t) =>
        Date.parse(t ?? ''),
      );
      assert.equal(report.retention?.lastPrunedAt, new Date(Math.max(...cuts)).toISOString());

      const text = captureIo();
      assert.equal(await runAuditVerify({ store: opened.spec }, text), 0);
      const lines = text.out().split('\n');
      assert.match(lines[0] ?? '', /^audit log OK: 30 events in 2 chains/);
      assert.equal(
        lines[1],
        `retention: the oldest event kept is from ${oldest.time} (id ${oldest.id}); older ones were pruned, ` +
          `the last cut at ${report.retention?.lastPrunedAt}`,
      );
      assert.match(
        lines[2] ?? '',
        /^ {2}ok {2}inst-a: 20 events, seq 11\.\.30, head \w+; pruned through seq 10 at \S+Z$/,
      );
      assert.match(lines[4] ?? '', /^ {2}ok {2}inst-c: 0 events, all pruned through seq 3 at \S+Z$/);
    });
  });
}
