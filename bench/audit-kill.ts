/**
 * What a `kill -9` under load loses. A child server records an event per request and then
 * answers with its id; 32 concurrent clients keep it busy; after a while the child is killed
 * with SIGKILL. A new recorder on the same data dir then replays the dead child's spool, and
 * every id a client received (acknowledged) is looked up in the store. Durability `spool`
 * (default) against `memory` (no write-ahead) in the same run.
 * Run alone: `node --import tsx bench/audit-kill.ts` (BENCH_QUICK=1 for a smoke run).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { AuditRecorder } from '../src/audit/recorder.js';
import { SqliteAuditStore } from '../src/audit/sqlite-store.js';
import { table } from './lib/stats.js';

const quick = process.env.BENCH_QUICK === '1';
const SERVER = fileURLToPath(new URL('./audit-kill-server.ts', import.meta.url));

async function trial(durability: 'spool' | 'memory', loadMs: number): Promise<(string | number)[]> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-kill-'));
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, dir, durability], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [portLine] = (await once(child.stdout, 'data')) as [Buffer];
  const pool = new Pool(`http://127.0.0.1:${Number(portLine.toString().trim())}`, { connections: 32 });
  const acked: string[] = [];
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const res = await pool.request({ path: '/', method: 'POST', body: '{"x":1}' });
        const id = await res.body.text();
        if (res.statusCode === 200 && id !== 'dropped') acked.push(id);
      } catch {
        return; // the server is gone
      }
    }
  };
  const workers = Array.from({ length: 32 }, worker);
  await new Promise((r) => setTimeout(r, loadMs));
  child.kill('SIGKILL');
  await once(child, 'exit');
  stop = true;
  await Promise.all(workers);
  await pool.destroy();

  const store = new SqliteAuditStore({ path: join(dir, 'audit.db') });
  const recorder = new AuditRecorder({ store, dataDir: dir });
  await recorder.close();
  const stored = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.query({ limit: 1000, cursor, instance: `killed-${durability}` });
    for (const e of page.events) stored.add(e.id);
    cursor = page.next;
  } while (cursor);
  const ok = (await store.verify()).ok;
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const lost = acked.filter((id) => !stored.has(id)).length;
  return [durability, acked.length, recorder.stats().replayed, stored.size, lost, ok ? 'yes' : 'NO'];
}

export async function runAuditKillBench(): Promise<string> {
  const loadMs = quick ? 1000 : 3000;
  const rounds = quick ? 1 : 3;
  const rows: (string | number)[][] = [];
  for (let i = 0; i < rounds; i++) {
    rows.push(await trial('spool', loadMs));
    rows.push(await trial('memory', loadMs));
  }
  return [
    `kill -9 after ${loadMs} ms of load at concurrency 32; acknowledged = responses the clients received.`,
    "replayed = events recovered from the dead process's spool by the next recorder.",
    '',
    table(
      ['durability', 'acknowledged', 'replayed', 'stored', 'acknowledged but lost', 'chain intact'],
      rows,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await runAuditKillBench()}\n`);
}
