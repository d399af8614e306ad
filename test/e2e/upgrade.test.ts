/**
 * Upgrades: a data dir written by an older Airlock (test/fixtures/data-dir-a1cdbf4, made by the
 * real build of a1cdbf4: audit schema 2, vault originals in clear, spool lines of that time) is
 * read by this one: the same requests leave byte-identical (same surrogates, so provider prompt
 * caches and old conversations keep working), answers are restored, the spooled events are
 * stored once, and the chain verifies. A data dir of a newer Airlock is refused, naming the file.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startAirlock, type Airlock } from '../../src/app.js';
import { pidAlive } from '../../src/audit/spool-owner.js';
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
  // The old build named its segments by pid alone, and the copy is written now: a live process
  // that has that pid here and started before would be taken for their writer (spool-owner.ts),
  // and they would wait for it to end. The killed writer is gone.
  const spool = join(dir, 'data', 'audit-spool');
  for (const name of readdirSync(spool)) {
    const pid = Number(/^spool-(\d+)-/.exec(name)?.[1]);
    if (pid !== process.pid && pidAlive(pid))
      renameSync(join(spool, name), join(spool, name.replace(`spool-${pid}-`, 'spool-99999999-')));
  }
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

/** The CLI as a user runs it; a gateway that starts listening after all is stopped. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('listening on')) child.kill('SIGTERM');
    });
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

    // The old build stored the originals in clear; the new one sealed them at start.
    const vault = new Database(join(dataDir, 'vault.db'), { readonly: true });
    const originals = (
      vault.prepare('SELECT original FROM vault_originals_v1').all() as { original: string }[]
    ).map((r) => r.original);
    vault.close();
    assert.equal(originals.length, 6);
    assert.ok(
      originals.every((o) => o.startsWith('sealed:v1:')),
      'every original the old build stored in clear is sealed',
    );
    for (const file of ['vault.db', 'vault.db-wal'].filter((f) => existsSync(join(dataDir, f))))
      for (const planted of ['sk-proj-Q7vR2mK9', 'quincunx-ledger', 'db-primary.corp.internal'])
        assert.ok(!readFileSync(join(dataDir, file)).includes(planted), `${planted} in ${file}`);

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

/** `airlock start` on a data dir, as a user runs it; it must stop before listening. */
function startRefused(dataDir: string) {
  return cli([
    'start',
    '-p',
    '0',
    '--egress-port',
    '0',
    '--config',
    join(FIXTURE, 'config/airlock.yaml'),
    '--data-dir',
    dataDir,
  ]);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function edit(file: string, sql: string): void {
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

const NO_STACK = /^\s+at /m;

test('a data dir of a newer Airlock is refused at start, naming the file and what to do, and left as it was', async () => {
  const cases: { what: string; file: string; sql: string; says: RegExp }[] = [
    {
      what: 'an audit schema past this build',
      file: 'audit.db',
      sql: 'UPDATE audit_schema_version SET version = 99',
      says: /audit database at \S+audit\.db: audit schema version 99 is newer than this Airlock's \(4\): a newer Airlock wrote it.*run that version or a newer one, or give this one another store/,
    },
    {
      what: 'a vault layout past this build',
      file: 'vault.db',
      sql: 'CREATE TABLE vault_originals_v2 (surrogate TEXT PRIMARY KEY, original BLOB NOT NULL) WITHOUT ROWID',
      says: /the surrogate vault \S+vault\.db cannot be opened: it was written by a newer Airlock \(tables vault_originals_v2; this one reads layout v1\): run that version or a newer one \(moving it aside starts an empty vault/,
    },
    {
      what: 'vault entries sealed in a format past this build',
      file: 'vault.db',
      sql: "UPDATE vault_originals_v1 SET original = 'sealed:v2:' || hex(original)",
      says: /the surrogate vault \S+vault\.db cannot be opened: it was written by a newer Airlock \(entries sealed as v2; this one opens v1\): run that version or a newer one \(moving it aside/,
    },
  ];
  for (const c of cases) {
    const dataDir = copyOfOldDataDir();
    try {
      const file = join(dataDir, c.file);
      edit(file, c.sql);
      const before = sha256(file);
      const run = await startRefused(dataDir);
      assert.equal(run.code, 2, `${c.what}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, c.says, c.what);
      assert.doesNotMatch(run.stderr, NO_STACK, `${c.what}: no stack trace`);
      assert.ok(!run.stdout.includes('listening'), c.what);
      assert.equal(sha256(file), before, `${c.what}: the file is left as it was`);
      assert.equal(spoolLines(dataDir), OLD_SPOOLED, `${c.what}: the spool is left as it was`);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  }

  // The audit CLI (a reader) refuses the newer log the same way.
  const dataDir = copyOfOldDataDir();
  try {
    edit(join(dataDir, 'audit.db'), 'UPDATE audit_schema_version SET version = 99');
    const verify = await cli(['audit', 'verify', '--no-progress', '--data-dir', dataDir]);
    assert.equal(verify.code, 2, verify.stdout + verify.stderr);
    assert.match(
      verify.stderr,
      /audit schema version 99 is newer than this Airlock's \(4\).*run that version/,
    );
    assert.doesNotMatch(verify.stderr, NO_STACK);
  } finally {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
});

test('a spool line of a newer Airlock is not lost: the segment is set aside, named in a warning, the rest stored', async () => {
  const dataDir = copyOfOldDataDir();
  const sim = await startSimulator({ host: '127.0.0.1', port: 0, script: requests.simulator });
  const warnings: string[] = [];
  let airlock: Airlock | undefined;
  try {
    const dir = join(dataDir, 'audit-spool');
    const [segment] = readdirSync(dir);
    assert.ok(segment);
    const future = '{"format":2,"events":[{"id":"01FUTURE","seq":3}]}\n';
    appendFileSync(join(dir, segment), future);
    const text = readFileSync(join(dir, segment), 'utf8');
    airlock = await startAirlock({
      config: testConfig(
        { egress_proxy: { port: 0 }, audit: { store: 'sqlite', retain: 'forever' } },
        sim.url,
      ),
      dataDir,
      policyFile: join(FIXTURE, 'config/policy.yaml'),
      canaries: [],
      logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
    });
    await airlock.recorder.flush();
    const { events } = await airlock.store.query({ limit: 100 });
    assert.equal(events.length, OLD_STORED + OLD_SPOOLED, 'the events it could read are stored');
    const left = readdirSync(dir);
    assert.equal(left.length, 1, String(left));
    assert.match(left[0]!, /\.jsonl\.damaged$/);
    assert.equal(readFileSync(join(dir, left[0]!), 'utf8'), text, 'kept as it was');
    assert.ok(
      warnings.some((w) => w.includes(segment) && /1 damaged line skipped on replay/.test(w)),
      warnings.join(''),
    );
  } finally {
    await airlock?.close();
    await sim.close();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
});
