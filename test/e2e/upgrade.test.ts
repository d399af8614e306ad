/**
 * Upgrades: a data dir written by an older Airlock (test/fixtures/data-dir-a1cdbf4, made by the
 * real build of a1cdbf4: audit schema 2, vault originals in clear, spool lines of that time) is
 * read by this one: the same requests leave byte-identical (same surrogates, so provider prompt
 * caches and old conversations keep working), answers are restored, the spooled events are
 * stored once, and the chain verifies. A data dir of a newer Airlock is refused, naming the file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAirlock, type Airlock } from '../../src/app.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import type { FixtureRequest, FixtureRequests, Upstream } from '../fixtures/data-dir-a1cdbf4/make-fixture.js';
import { testConfig } from '../helpers/stack.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/data-dir-a1cdbf4/', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const requests = JSON.parse(readFileSync(join(FIXTURE, 'requests.json'), 'utf8')) as FixtureRequests;
const upstream = JSON.parse(readFileSync(join(FIXTURE, 'upstream.json'), 'utf8')) as Upstream[];
const PROJECT = '/home/ysolde/work/quincunx-ledger';
/** The events the old build left: 4 in audit.db, 2 in its spool only (it was killed). */
const OLD_STORED = requests.session1.length;
const OLD_SPOOLED = requests.session2.length;

/** A copy of the fixture's data dir, as a user's ~/.airlock after the upgrade. */
function copyOfOldDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-upgrade-'));
  cpSync(join(FIXTURE, 'data'), join(dir, 'data'), { recursive: true });
  return join(dir, 'data');
}

function startCurrent(dataDir: string, simUrl: string): Promise<Airlock> {
  return startAirlock({
    config: testConfig({ egress_proxy: { port: 0 }, audit: { store: 'sqlite', retain: 'forever' } }, simUrl),
    dataDir,
    policyFile: join(FIXTURE, 'config/policy.yaml'),
    // The old build learnt the recording machine's values; none of them is in the requests.
    canaries: [],
  });
}

async function send(url: string, r: FixtureRequest): Promise<string> {
  const body = JSON.stringify(r.body).replaceAll('{literal}', requests.literal);
  const res = await fetch(url + r.path, { method: 'POST', headers: r.headers, body });
  const text = await res.text();
  assert.equal(res.status, 200, `${r.name}: ${text}`);
  return text;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function spoolLines(dataDir: string): number {
  const dir = join(dataDir, 'audit-spool');
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).length)
    .reduce((a, b) => a + b, 0);
}

test('a data dir of a1cdbf4: same upstream bytes, restored answers, spool replayed once, chain verifies', async () => {
  const dataDir = copyOfOldDataDir();
  const sim: Simulator = await startSimulator({ host: '127.0.0.1', port: 0, script: requests.simulator });
  let airlock: Airlock | undefined;
  try {
    assert.equal(spoolLines(dataDir), OLD_SPOOLED, 'the fixture holds spooled events');
    airlock = await startCurrent(dataDir, sim.url);
    await airlock.recorder.flush();

    // The old build's rows and its spooled events, each once.
    const before = await airlock.store.query({ limit: 100 });
    assert.equal(before.events.length, OLD_STORED + OLD_SPOOLED);
    assert.equal(new Set(before.events.map((e) => e.id)).size, OLD_STORED + OLD_SPOOLED);
    assert.equal(spoolLines(dataDir), 0, 'the replayed segment is gone');

    // The same requests leave as the old build sent them, and answers come back restored. In
    // reverse order: the host's surrogate was moved by a word of the first request (see
    // requests.json), so a request without that word sent first keeps it only by the vault.
    const url = airlock.gateway.url;
    for (const r of [...requests.session1, ...requests.session2].reverse()) {
      const answer = await send(url, r);
      const got = sim.received.at(-1);
      const old = upstream.find((u) => u.name === r.name);
      assert.ok(got && old);
      assert.equal(got.path, old.path, r.name);
      assert.equal(got.body.toString('utf8'), old.body, `${r.name}: the upstream body changed`);
      assert.ok(answer.includes(PROJECT), `${r.name}: the answer is restored`);
    }
    await airlock.recorder.flush();

    // The dashboard, with the token the old build created, lists old and new events.
    const token = readFileSync(join(dataDir, 'dashboard.token'), 'utf8').trim();
    const res = await fetch(`${url}/_airlock/api/events?limit=100&order=asc`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const listed = (await res.json()) as { events: { id: string; decision: string }[] };
    const total = 2 * (OLD_STORED + OLD_SPOOLED);
    assert.equal(listed.events.length, total);
    assert.deepEqual(
      listed.events.slice(0, OLD_STORED + OLD_SPOOLED).map((e) => e.id),
      [...before.events].map((e) => e.id).sort(),
    );
    assert.ok(listed.events.every((e) => e.decision === 'pseudonymize'));
    const oldOne = await fetch(`${url}/_airlock/api/events/${before.events[0]!.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(oldOne.status, 200);

    // The overview's counts (migrations 3 and 4 backfilled the old rows) cover old and new.
    const all = await airlock.store.query({ limit: 100 });
    const minutes = all.events.map((e) => Math.floor(Date.parse(e.time) / 60_000));
    // Whole minutes: the counts come from the per-minute rollup, as the dashboard's do.
    const since = new Date((Math.min(...minutes) - 1) * 60_000);
    const until = new Date((Math.max(...minutes) + 2) * 60_000);
    const stats = await airlock.store.stats(
      { since, until },
      { bucketMs: until.getTime() - since.getTime() },
    );
    const sum = (series: { counts: number[] }[]) =>
      series.reduce((n, s) => n + s.counts.reduce((a, b) => a + b, 0), 0);
    assert.equal(stats.totals.requests, total);
    assert.equal(sum(stats.requestClient), total, 'requests per client, old ones backfilled');
    assert.equal(
      sum(stats.category),
      all.events.reduce((n, e) => n + e.findings.length, 0),
    );

    await airlock.close();
    airlock = undefined;

    const verify = await cli(['audit', 'verify', '--no-progress', '--data-dir', dataDir]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, new RegExp(`\\b${total} events\\b`), verify.stdout);
  } finally {
    await airlock?.close();
    await sim.close();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
});
