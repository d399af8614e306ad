/**
 * `airlock audit verify` says what waits in the spool: events a gateway wrote there while its
 * store was down are in no chain yet. The spool here is a real one, left by a recorder whose
 * store (PostgreSQL on a closed loopback port) never answered; the exit code stays the chain's.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { runAuditVerify } from '../../src/cli/commands/audit.js';
import { captureIo, sampleInput, tempDir } from './helpers.js';
import { until } from '../helpers/until.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('airlock audit verify and the spool', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(async () => tmp.cleanup());

  it('reports the events and segments waiting in the spool, in text and JSON, exit code unchanged', async () => {
    const dataDir = join(tmp.dir, 'data');
    const stored = new SqliteAuditStore({ path: join(dataDir, 'audit.db') });
    const first = new AuditRecorder({ store: stored, dataDir, instance: 'stored' });
    for (let i = 1; i <= 5; i++) first.record(sampleInput(i, Date.now()));
    await first.close();
    await stored.close();

    const clean = captureIo();
    assert.equal(await runAuditVerify({ dataDir, json: true }, clean), 0);
    assert.deepEqual(JSON.parse(clean.out()).spool, {
      dir: join(dataDir, 'audit-spool'),
      segments: 0,
      events: 0,
    });

    const down = new PostgresAuditStore({
      url: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
      connectTimeoutMs: 1000,
    });
    const spooling = new AuditRecorder({ store: down, dataDir, batchSize: 10, flushIntervalMs: 10 });
    for (let i = 1; i <= 30; i++) spooling.record(sampleInput(i, Date.now()));
    await until(() => spooling.stats().storeErrors > 0, 'a store error');
    await spooling.close({ timeoutMs: 300 });
    await down.close();
    const segments = (await readdir(join(dataDir, 'audit-spool'))).filter((n) => n.endsWith('.jsonl'));
    assert.ok(segments.length > 0, 'the recorder left a spool');

    const text = captureIo();
    assert.equal(await runAuditVerify({ dataDir }, text), 0, 'the chain verified is intact: still 0');
    assert.match(text.out(), /audit log OK: 5 events in 1 chains/);
    assert.match(
      text.out(),
      new RegExp(
        `spool: 30 events in ${segments.length} segments wait in \\S+audit-spool, not yet in the store nor verified`,
      ),
    );
    const json = captureIo();
    assert.equal(await runAuditVerify({ dataDir, json: true }, json), 0);
    const report = JSON.parse(json.out());
    assert.equal(report.ok, true);
    assert.equal(report.events, 5);
    assert.deepEqual(report.spool, {
      dir: join(dataDir, 'audit-spool'),
      segments: segments.length,
      events: 30,
    });
  });
});
