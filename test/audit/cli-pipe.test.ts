/**
 * `airlock audit verify | head -1`: a reader that leaves early does not turn the verdict into a
 * crash. The exit code stays 0 for an intact log and 1 for a tampered one (it was 1, with an
 * EPIPE stack trace, either way).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { sampleInput, tempDir } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs the CLI with its stdout closed by the reader before anything is written. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('audit verify into a closed pipe', { timeout: 120_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let db: string;
  before(async () => {
    tmp = await tempDir();
    db = join(tmp.dir, 'audit.db');
    const store = new SqliteAuditStore({ path: db });
    // Several chains: a report of several lines.
    for (let r = 0; r < 5; r++) {
      const recorder = new AuditRecorder({ store, dataDir: tmp.dir });
      for (let i = 1; i <= 5; i++) recorder.record(sampleInput(i, Date.now()));
      await recorder.close();
    }
    await store.close();
  });
  after(() => tmp.cleanup());

  it('exits 0 for an intact log and 1 for a tampered one, without a crash', async () => {
    const intact = await runWithClosedStdout(['audit', 'verify', '--store', `sqlite:${db}`]);
    assert.deepEqual(intact, { code: 0, stderr: '' });
    const store = new SqliteAuditStore({ path: db });
    store.database().prepare("UPDATE audit_events SET decision = 'x', doc = doc || ' ' WHERE seq = 3").run();
    await store.close();
    const tampered = await runWithClosedStdout(['audit', 'verify', '--store', `sqlite:${db}`]);
    assert.deepEqual(tampered, { code: 1, stderr: '' });
  });
});
