/**
 * A dead writer's spool segments are replayed even when its pid now belongs to a live process
 * (pid reuse after a reboot, a container started again), never while their writer runs, and
 * also when the writer dies while another recorder runs (not only at its start).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spoolLine } from '../../src/audit/chain.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { processStartTime } from '../../src/audit/spool-owner.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { sealedChain, tempDir } from './helpers.js';
import { until } from '../helpers/until.js';

/** A segment of `count` sealed events of `instance`, as a writer named `owner` left it. */
function leaveSegment(dataDir: string, owner: string, instance: string, count: number): string {
  const dir = join(dataDir, 'audit-spool');
  mkdirSync(dir, { recursive: true });
  const name = `spool-${owner}-${instance}-000001.jsonl`;
  writeFileSync(join(dir, name), sealedChain(instance, count).map(spoolLine).join(''), { mode: 0o600 });
  return name;
}

describe('audit spool owners', { timeout: 60_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  /** A live process that did not write any of the segments below. */
  let bystander: ChildProcess;
  let pid: number;
  let start: string;
  before(async () => {
    tmp = await tempDir('airlock-spool-owner-');
    bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    pid = bystander.pid!;
    await until(() => processStartTime(pid) !== undefined, 'the bystander to start', 10_000);
    start = processStartTime(pid)!;
  });
  after(async () => {
    bystander.kill();
    await tmp.cleanup();
  });

  async function replayed(dataDir: string, instance: string): Promise<number> {
    const store = new SqliteAuditStore({ path: join(dataDir, 'audit.db') });
    const recorder = new AuditRecorder({ store, dataDir });
    await recorder.close();
    const count = (await store.query({ instance, limit: 1000 })).events.length;
    await store.close();
    return count;
  }

  it('replays the segments of a dead writer whose pid a live process now has', async () => {
    const dataDir = join(tmp.dir, 'reused');
    leaveSegment(dataDir, `${pid}.${Number(start) - 1}`, 'crashed', 12);
    assert.equal(await replayed(dataDir, 'crashed'), 12);
    assert.deepEqual(readdirSync(join(dataDir, 'audit-spool')), []);
  });

  it('leaves alone the segments of a writer that still runs', async () => {
    const dataDir = join(tmp.dir, 'running');
    const name = leaveSegment(dataDir, `${pid}.${start}`, 'running', 5);
    assert.equal(await replayed(dataDir, 'running'), 0);
    assert.deepEqual(readdirSync(join(dataDir, 'audit-spool')), [name]);
  });

  it('replays the segments an older Airlock named by pid alone when that pid is a later process', async () => {
    // Airlock before 2026-11-27 named segments spool-<pid>-...: the writer of one last written
    // an hour ago is not a process that started since.
    const dataDir = join(tmp.dir, 'pid-only-old');
    const name = leaveSegment(dataDir, String(pid), 'old-build', 6);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(dataDir, 'audit-spool', name), hourAgo, hourAgo);
    assert.equal(await replayed(dataDir, 'old-build'), 6);
    assert.deepEqual(readdirSync(join(dataDir, 'audit-spool')), []);
  });

  it('leaves alone a segment named by pid alone written while the process with that pid ran', async () => {
    const dataDir = join(tmp.dir, 'pid-only-running');
    const name = leaveSegment(dataDir, String(pid), 'old-running', 4);
    assert.equal(await replayed(dataDir, 'old-running'), 0);
    assert.deepEqual(readdirSync(join(dataDir, 'audit-spool')), [name]);
  });

  it('adopts the segments of a writer that died while the recorder runs', async () => {
    const dataDir = join(tmp.dir, 'later');
    const store = new SqliteAuditStore({ path: join(dataDir, 'audit.db') });
    const recorder = new AuditRecorder({ store, dataDir, orphanCheckMs: 50, flushIntervalMs: 10 });
    try {
      leaveSegment(dataDir, `${pid}.${Number(start) + 1}`, 'died-later', 7);
      await until(async () => recorder.stats().replayed === 7, 'the orphan to be replayed', 20_000);
      assert.equal((await store.query({ instance: 'died-later', limit: 100 })).events.length, 7);
      assert.equal((await store.verify()).ok, true);
    } finally {
      await recorder.close();
      await store.close();
    }
  });
});
