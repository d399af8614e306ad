/**
 * Nothing lost when the store is down: events spool to disk and replay when it answers again —
 * across recorders (a closed port, then the real PostgreSQL), within one recorder (a TCP proxy
 * in front of PostgreSQL is cut and restored), and after the writing process is killed -9.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { CuttablePg, PG_URL, sampleInput, tempDir, uniqueSchema } from './helpers.js';
import { until } from '../helpers/until.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('audit spool', () => {
  const schema = uniqueSchema();
  let good: PostgresAuditStore;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    good = new PostgresAuditStore({ url: PG_URL, schema });
    await good.init();
    tmp = await tempDir();
  });
  after(async () => {
    await good.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await good.close();
    await tmp.cleanup();
  });

  const countOf = async (instance: string) => (await good.query({ instance, limit: 1000 })).events.length;

  for (const durability of ['spool', 'memory'] as const) {
    it(`spools while PostgreSQL is unreachable and replays into a working one (durability ${durability})`, async () => {
      const dataDir = join(tmp.dir, `down-${durability}`);
      const down = new PostgresAuditStore({
        url: `postgres://postgres@127.0.0.1:${await freePort()}/test`,
        schema,
        connectTimeoutMs: 1000,
      });
      const errors: unknown[] = [];
      const first = new AuditRecorder({
        store: down,
        dataDir,
        durability,
        batchSize: 20,
        flushIntervalMs: 10,
        onError: (e) => errors.push(e),
      });
      const instance = first.instance;
      for (let i = 1; i <= 75; i++) first.record(sampleInput(i, Date.now()));
      await until(async () => first.stats().storeErrors > 0, 'a store error');
      assert.equal(first.stats().spilling, true);
      assert.match(first.stats().lastError ?? '', /127\.0\.0\.1|ECONNREFUSED|connect/);
      await first.close({ timeoutMs: 300 });
      await down.close();
      assert.ok((await readdir(join(dataDir, 'audit-spool'))).length > 0, 'events are in the spool');
      assert.equal(await countOf(instance), 0);

      const second = new AuditRecorder({ store: good, dataDir });
      assert.equal(second.stats().queueDepth, 75, 'adopted spool counts in the queue depth');
      await second.close();
      assert.equal(await countOf(instance), 75);
      assert.equal(second.stats().replayed, 75);
      assert.deepEqual(await readdir(join(dataDir, 'audit-spool')), []);
      const report = await good.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems));
    });
  }

  it('stops promptly when the store hangs, keeping even the batch in flight (durability memory)', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    const hanging = new PostgresAuditStore({
      url: `postgres://postgres@127.0.0.1:${port}/test`,
      connectTimeoutMs: 60_000,
    });
    const dataDir = join(tmp.dir, 'hanging');
    const recorder = new AuditRecorder({
      store: hanging,
      dataDir,
      durability: 'memory',
      batchSize: 10,
      flushIntervalMs: 1,
    });
    for (let i = 1; i <= 25; i++) recorder.record(sampleInput(i, Date.now()));
    await until(
      async () => recorder.stats().queueDepth === 25 && recorder.stats().committed === 0,
      'a flush in flight',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await recorder.close({ timeoutMs: 300 });
    assert.ok(Date.now() - started < 10_000, 'close() is bounded by its timeout');
    silent.close();
    await hanging.close().catch(() => undefined);
    const next = new AuditRecorder({ store: good, dataDir });
    await next.close();
    assert.equal(await countOf(recorder.instance), 25);
  });

  it('rides out an outage of the store within one recorder', async () => {
    const proxy = new CuttablePg(await freePort());
    await proxy.start();
    const viaProxy = new PostgresAuditStore({
      url: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
      schema,
      connectTimeoutMs: 1000,
    });
    const recorder = new AuditRecorder({
      store: viaProxy,
      dataDir: join(tmp.dir, 'outage'),
      batchSize: 10,
      flushIntervalMs: 10,
    });
    for (let i = 1; i <= 30; i++) recorder.record(sampleInput(i, Date.now()));
    await recorder.flush();
    assert.equal(await countOf(recorder.instance), 30);
    await proxy.stop();
    for (let i = 31; i <= 90; i++) recorder.record(sampleInput(i, Date.now()));
    await until(async () => recorder.stats().spilling, 'the recorder to spill');
    for (let i = 91; i <= 120; i++) recorder.record(sampleInput(i, Date.now()));
    assert.ok(recorder.stats().spoolBytes > 0);
    await proxy.start();
    await until(
      async () => recorder.stats().queueDepth === 0 && !recorder.stats().spilling,
      'the spool to drain',
    );
    assert.equal(await countOf(recorder.instance), 120);
    await recorder.close();
    await viaProxy.close();
    await proxy.stop();
    assert.equal((await good.verify()).ok, true);
  });

  it('blocks (accepting() false) or drops, by policy, when the spool is full', async () => {
    const down = new PostgresAuditStore({
      url: `postgres://postgres@127.0.0.1:${await freePort()}/test`,
      connectTimeoutMs: 500,
    });
    const block = new AuditRecorder({
      store: down,
      dataDir: join(tmp.dir, 'full-block'),
      maxSpoolBytes: 4096,
    });
    const allow = new AuditRecorder({
      store: down,
      dataDir: join(tmp.dir, 'full-allow'),
      maxSpoolBytes: 4096,
      onSpoolFull: 'allow',
    });
    for (const r of [block, allow]) {
      assert.equal(r.accepting(), true);
      for (let i = 1; i <= 20; i++) r.record(sampleInput(i, Date.now()));
    }
    assert.equal(block.accepting(), false);
    assert.equal(block.stats().dropped, 0, 'block keeps recording what was already admitted');
    assert.equal(allow.accepting(), true);
    assert.ok(allow.stats().dropped > 0);
    assert.equal(allow.stats().recorded + allow.stats().dropped, 20);
    await block.close({ timeoutMs: 0 });
    await allow.close({ timeoutMs: 0 });
    await down.close();
    // The allow recorder's chain has no hole: dropped events never got a seq.
    const replay = new AuditRecorder({ store: good, dataDir: join(tmp.dir, 'full-allow') });
    await replay.close();
    assert.equal((await good.verify()).ok, true);
  });

  for (const mode of ['record', 'recordGrouped'] as const) {
    it(`loses nothing ${mode}() acknowledged when the process is killed -9`, async () => {
      const dataDir = join(tmp.dir, `killed-${mode}`);
      const child = fileURLToPath(new URL('./fixtures/record-and-die.ts', import.meta.url));
      const args = [
        '--import',
        'tsx',
        child,
        dataDir,
        '300',
        ...(mode === 'recordGrouped' ? ['grouped'] : []),
      ];
      const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const signal = await new Promise((r) => proc.on('exit', (_code, sig) => r(sig)));
      assert.equal(signal, 'SIGKILL');
      const { instance, ids } = JSON.parse(out) as { instance: string; ids: string[] };
      assert.equal(ids.length, 300);
      const recorder = new AuditRecorder({ store: good, dataDir });
      await recorder.close();
      const stored = new Set((await good.query({ instance, limit: 1000 })).events.map((e) => e.id));
      for (const id of ids) assert.ok(stored.has(id), `acknowledged event ${id} lost`);
      // Only the last group, never waited for, may be missing (or there).
      assert.ok(stored.size - ids.length >= 0 && stored.size - ids.length <= 10);
      if (mode === 'record') assert.equal(stored.size, ids.length);
      assert.equal((await good.verify()).ok, true);
    });
  }
});
