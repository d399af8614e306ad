/** `airlock audit tail | export | verify`, run in-process: output, formats and exit codes. */
import assert from 'node:assert/strict';
import { exportEvents, formatEvent } from '../../src/audit/export.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { canonicalJson } from '../../src/audit/canonical.js';
import { eventFromDoc, sha256Hex } from '../../src/audit/chain.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditEvent } from '../../src/audit/types.js';
import {
  registerAuditCommand,
  runAuditExport,
  runAuditTail,
  runAuditVerify,
  countProgress,
} from '../../src/cli/commands/audit.js';
import { captureIo, PG_URL, sampleInput, tempDir, uniqueSchema } from './helpers.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';

describe('airlock audit CLI', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: string;
  const recorded: AuditEvent[] = [];
  const base = Date.parse('2026-03-01T00:00:00Z');

  before(async () => {
    tmp = await tempDir();
    dataDir = join(tmp.dir, 'data');
    const store = new SqliteAuditStore({ path: join(dataDir, 'audit.db') });
    const recorder = new AuditRecorder({ store, dataDir, instance: 'cli-test' });
    for (let i = 1; i <= 40; i++) {
      const input = sampleInput(i, base + i * 60_000);
      if (i === 3) input.model = '=HYPERLINK("http://x","a,b")';
      // Exported as the bytes stored: characters of two, three and four UTF-8 bytes.
      if (i === 5) input.path = '/v1/projets/données/日本語/🚀?x=1';
      recorded.push(recorder.record(input)!);
    }
    await recorder.close();
    await store.close();
  });
  after(async () => tmp.cleanup());

  it('exports JSONL: every event as stored, filtered by --since / --until', async () => {
    const io = captureIo();
    assert.equal(await runAuditExport({ dataDir, format: 'jsonl' }, io), 0);
    const lines = io.out().trim().split('\n');
    // As stored: each line is its hashed document plus the hash, and reads back as recorded.
    for (const line of lines) {
      const { hash, ...unsigned } = JSON.parse(line) as AuditEvent;
      assert.equal(sha256Hex(canonicalJson(unsigned)), hash);
    }
    assert.deepEqual(
      lines.map((l) => {
        const { hash, ...unsigned } = JSON.parse(l) as AuditEvent;
        return eventFromDoc(canonicalJson(unsigned), hash);
      }),
      recorded,
    );
    assert.ok(
      lines.some((l) => l.includes('"at":[[')),
      'findings are stored as runs',
    );
    const window = captureIo();
    const code = await runAuditExport(
      { dataDir, format: 'jsonl', since: '2026-03-01T00:10:00Z', until: '2026-03-01T00:20:00Z' },
      window,
    );
    assert.equal(code, 0);
    assert.deepEqual(
      window
        .out()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as AuditEvent).seq),
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    const recent = captureIo();
    assert.equal(await runAuditExport({ dataDir, format: 'jsonl', since: '24h' }, recent), 0);
    assert.equal(recent.out(), '', 'the fixture events are older than a day');
  });

  it('exports CSV with a header, quoting and a guard against spreadsheet formulas', async () => {
    const io = captureIo();
    const output = join(tmp.dir, 'out.csv');
    assert.equal(await runAuditExport({ dataDir, format: 'csv', output }, io), 0);
    assert.match(io.err(), /exported 40 events/);
    const rows = (await readFile(output, 'utf8')).trimEnd().split('\r\n');
    assert.equal(rows.length, 41);
    assert.match(rows[0]!, /^id,time,instance,seq,kind,decision,/);
    assert.ok(rows[3]!.includes(`"'=HYPERLINK(""http://x"",""a,b"")"`), rows[3]);
    const blocked = rows.find((r) => r.includes(',block,'));
    assert.ok(blocked?.includes('aws-access-key;env-hostname'));
    // On a terminal, a quick export to a file draws no progress line; its counts reach the end.
    const tty = captureIo(true);
    assert.equal(await runAuditExport({ dataDir, format: 'jsonl', output: `${output}.jsonl` }, tty), 0);
    assert.equal(tty.err(), `exported 40 events to ${output}.jsonl\n`);
    const store = new SqliteAuditStore({ path: join(dataDir, 'audit.db'), mustExist: true });
    const seen: number[] = [];
    await exportEvents(store, { format: 'jsonl', onProgress: (n) => seen.push(n) }, { write: () => true });
    await store.close();
    assert.deepEqual(seen, [40]);
  });

  it('ends quietly when the reader of its output goes away (export | head)', async () => {
    const io = captureIo();
    let writes = 0;
    const closedPipe = {
      write: () => {
        if (++writes > 2) throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        return true;
      },
    };
    assert.equal(
      await runAuditExport({ dataDir, format: 'csv' }, { stdout: closedPipe, stderr: io.stderr }),
      0,
    );
    assert.equal(io.err(), '');
  });

  it('refuses a malformed --since with a clear message and exit code 2', async () => {
    for (const since of ['yesterday', '24x', '2026-13-45', '', '2026-02-30']) {
      const io = captureIo();
      assert.equal(await runAuditExport({ dataDir, format: 'jsonl', since }, io), 2);
      assert.match(io.err(), /invalid --since .*ISO 8601.*24h/);
      assert.equal(io.out(), '');
    }
    // Not May 1st: a day that does not exist is a typo, not a window to export.
    const io = captureIo();
    assert.equal(await runAuditExport({ dataDir, format: 'jsonl', until: '2026-04-31' }, io), 2);
    assert.match(io.err(), /^airlock audit: invalid --until "2026-04-31": no such date/);
    assert.equal(io.out(), '');
    // Bounds the wrong way round hold no time: an error, not an empty export that reads as "nothing".
    const swapped = captureIo();
    assert.equal(
      await runAuditExport({ dataDir, format: 'jsonl', since: '7d', until: '2026-01-01' }, swapped),
      2,
    );
    assert.match(swapped.err(), /--since \(.*\) is not before --until \(2026-01-01T00:00:00\.000Z\)/);
    assert.equal(swapped.out(), '');
  });

  it('verifies an intact log (0) and names the first tampered row (1)', async () => {
    const ok = captureIo();
    assert.equal(await runAuditVerify({ dataDir }, ok), 0);
    assert.match(ok.out(), /audit log OK: 40 events in 1 chains/);
    assert.equal(ok.err(), '', 'no progress line when stderr is not a terminal');
    // On a terminal a quick verify shows none either (no flicker), nor with --no-progress.
    for (const progress of [undefined, false]) {
      const tty = captureIo(true);
      assert.equal(await runAuditVerify({ dataDir, ...(progress === false ? { progress } : {}) }, tty), 0);
      assert.equal(tty.err(), '');
    }
    const copy = join(tmp.dir, 'tampered.db');
    await writeFile(copy, await readFile(join(dataDir, 'audit.db')));
    const store = new SqliteAuditStore({ path: copy });
    store
      .database()
      .prepare('UPDATE audit_events SET doc = replace(doc, \'"status":200\', \'"status":201\') WHERE seq = 7')
      .run();
    await store.close();
    const bad = captureIo();
    assert.equal(await runAuditVerify({ store: `sqlite:${copy}` }, bad), 1);
    assert.match(
      bad.out(),
      /TAMPERED: first bad row is row \d+ \(id \w+, instance cli-test, seq 7\): .*edited/,
    );
  });

  it("shows a long verify's or export's progress on a terminal: from a quarter second, ten times a second at most, erased at the end", () => {
    let now = 1_000_000;
    let written = '';
    const err = () => written;
    const progress = countProgress(
      { write: (s: string) => (written += s), isTTY: true },
      'verifying',
      () => now,
    );
    progress.update(1000);
    now += 200;
    progress.update(2000);
    assert.equal(err(), '', 'nothing in the first quarter second');
    now += 300;
    progress.update(250_000);
    assert.equal(err(), '\r\x1b[2Kverifying: 250,000 events, 500,000/s');
    now += 50;
    progress.update(260_000);
    assert.equal(err().split('\r').length, 2, 'not redrawn within 100 ms');
    now += 100;
    progress.update(325_000);
    assert.ok(err().endsWith('\r\x1b[2Kverifying: 325,000 events, 500,000/s'), JSON.stringify(err()));
    progress.clear();
    assert.ok(err().endsWith('\r\x1b[2K'), 'the line is erased');
    let quiet = '';
    const quick = countProgress({ write: (s: string) => (quiet += s), isTTY: true }, 'exporting', () => now);
    quick.update(40);
    quick.clear();
    assert.equal(quiet, '', 'a run that never drew erases nothing');
    let exported = '';
    const exporting = countProgress(
      { write: (s: string) => (exported += s), isTTY: true },
      'exporting',
      () => now,
    );
    now += 1000;
    exporting.update(70_000);
    assert.equal(exported, '\r\x1b[2Kexporting: 70,000 events, 70,000/s');
  });

  it('says which store and where when it is missing, corrupt or unreachable (exit 2)', async () => {
    const missing = captureIo();
    assert.equal(await runAuditVerify({ dataDir: join(tmp.dir, 'nowhere') }, missing), 2);
    assert.match(missing.err(), /no SQLite audit database at .*nowhere\/audit\.db/);
    const corrupt = join(tmp.dir, 'corrupt.db');
    await writeFile(corrupt, 'this is not a database, it is a text file pretending to be one'.repeat(100));
    const io = captureIo();
    assert.equal(await runAuditVerify({ store: corrupt }, io), 2);
    assert.match(io.err(), /SQLite audit database at .*corrupt\.db is corrupt or not a database/);
    assert.doesNotMatch(io.err(), /\n\s+at /, 'no stack trace');
    const pg = captureIo();
    assert.equal(await runAuditTail({ store: 'postgres://postgres:hunter2@127.0.0.1:1/test' }, pg), 2);
    assert.match(
      pg.err(),
      /cannot use the PostgreSQL audit store at postgres:\/\/postgres@127\.0\.0\.1:1\/test/,
    );
    assert.doesNotMatch(pg.err(), /hunter2/);
    // pg takes a password from the query string as well: it is left out there too.
    const query = captureIo();
    const url =
      'postgresql://u:p%40ss@127.0.0.1:1/db?sslmode=disable&password=hunter2&sslpassword=hunter3&application_name=x';
    assert.equal(await runAuditTail({ store: url }, query), 2);
    assert.match(
      query.err(),
      /cannot use the PostgreSQL audit store at postgresql:\/\/u@127\.0\.0\.1:1\/db\?sslmode=disable&application_name=x:/,
    );
    assert.doesNotMatch(query.err(), /hunter|p%40ss|p@ss/);
    const unsupported = captureIo();
    assert.equal(await runAuditTail({ store: 'mysql://u:hunter2@db/x?password=hunter3' }, unsupported), 2);
    assert.equal(
      unsupported.err(),
      'airlock audit: unsupported audit store "mysql://u@db/x": use sqlite, sqlite:<path> or postgres://user@host:5432/db\n',
    );
  });

  it('verifies a PostgreSQL store given by URL', async () => {
    const schema = uniqueSchema();
    const store = new PostgresAuditStore({ url: PG_URL, schema });
    const recorder = new AuditRecorder({ store, dataDir: join(tmp.dir, 'pg') });
    for (let i = 1; i <= 10; i++) recorder.record(sampleInput(i, Date.now()));
    await recorder.close();
    try {
      const io = captureIo();
      assert.equal(await runAuditVerify({ store: `${PG_URL}?schema=${schema}`, json: true }, io), 0);
      const report = JSON.parse(io.out()) as { ok: boolean; events: number };
      assert.deepEqual([report.ok, report.events], [true, 10]);

      // Export reads PostgreSQL by binary COPY: the same lines as the events read back one by one.
      const exported = captureIo();
      assert.equal(
        await runAuditExport({ store: `${PG_URL}?schema=${schema}`, format: 'jsonl' }, exported),
        0,
      );
      const lines = exported.out().trimEnd().split('\n');
      const events = (await store.query({ order: 'asc', limit: 100 })).events;
      assert.deepEqual(
        lines,
        events.map((e) => formatEvent(e, 'jsonl').trimEnd()),
      );
      const csv = captureIo();
      assert.equal(await runAuditExport({ store: `${PG_URL}?schema=${schema}`, format: 'csv' }, csv), 0);
      assert.equal(csv.out().trimEnd().split('\r\n').length, 11);

      // The same store named by the policy file that airlock.yaml points at, as `airlock start` reads it.
      const dir = join(tmp.dir, 'pg-config');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'policy.yaml'), `audit: ${PG_URL}?schema=${schema}\n`);
      await writeFile(join(dir, 'airlock.yaml'), 'policy: policy.yaml\n');
      const viaConfig = captureIo();
      assert.equal(
        await runAuditVerify({ config: join(dir, 'airlock.yaml'), dataDir, json: true }, viaConfig),
        0,
        viaConfig.err(),
      );
      assert.equal((JSON.parse(viaConfig.out()) as { events: number }).events, 10);
      // A policy the gateway would refuse for another reason (a rule id that names no rule)
      // still says where the log is: reading it needs only that key.
      await writeFile(
        join(dir, 'policy.yaml'),
        `audit: ${PG_URL}?schema=${schema}\nrules: { pii.e-mail: block }\n`,
      );
      const refusedPolicy = captureIo();
      assert.equal(
        await runAuditVerify({ config: join(dir, 'airlock.yaml'), dataDir, json: true }, refusedPolicy),
        0,
        refusedPolicy.err(),
      );
    } finally {
      await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await store.close();
    }
  });

  it("reads the store airlock.yaml's audit section names; --store still wins; a bad file is exit 2", async () => {
    const dir = join(tmp.dir, 'config');
    await mkdir(dir, { recursive: true });
    const elsewhere = join(dir, 'elsewhere.db');
    const store = new SqliteAuditStore({ path: elsewhere });
    const recorder = new AuditRecorder({ store, dataDir: join(dir, 'spool') });
    for (let i = 1; i <= 5; i++) recorder.record(sampleInput(i, Date.now()));
    await recorder.close();
    await store.close();
    const config = join(dir, 'airlock.yaml');
    await writeFile(config, `audit:\n  store: sqlite:${elsewhere}\n  retain: 30d\n`);

    const io = captureIo();
    assert.equal(await runAuditVerify({ config, dataDir, json: true }, io), 0, io.err());
    assert.equal((JSON.parse(io.out()) as { events: number }).events, 5);

    const explicit = captureIo();
    assert.equal(
      await runAuditVerify(
        { config, dataDir, store: `sqlite:${join(dataDir, 'audit.db')}`, json: true },
        explicit,
      ),
      0,
    );
    assert.equal((JSON.parse(explicit.out()) as { events: number }).events, recorded.length);

    await writeFile(config, 'audit:\n  stor: sqlite\n');
    const bad = captureIo();
    assert.equal(await runAuditVerify({ config, dataDir }, bad), 2);
    assert.match(bad.err(), /^airlock audit: Invalid .*airlock\.yaml/);
    assert.match(bad.err(), /airlock\.yaml:2:\d+.*stor/);
    assert.equal(bad.out(), '');
  });

  it('tails the latest events and follows new ones', async () => {
    const io = captureIo();
    assert.equal(await runAuditTail({ dataDir, lines: 5 }, io), 0);
    const lines = io.out().trim().split('\n');
    assert.equal(lines.length, 5);
    assert.ok(lines[4]!.startsWith(recorded[39]!.time));
    const followDir = join(tmp.dir, 'follow');
    const store = new SqliteAuditStore({ path: join(followDir, 'audit.db') });
    const recorder = new AuditRecorder({ store, dataDir: followDir, flushIntervalMs: 10 });
    recorder.record(sampleInput(1, Date.now()));
    await recorder.flush();
    const controller = new AbortController();
    const follow = captureIo();
    const running = runAuditTail(
      { dataDir: followDir, follow: true, json: true, pollMs: 20, signal: controller.signal },
      follow,
    );
    const fresh = [2, 3, 4].map((i) => recorder.record(sampleInput(i, Date.now()))!.id);
    await recorder.flush();
    const deadline = Date.now() + 20_000;
    while (follow.out().trim().split('\n').length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    assert.equal(await running, 0);
    const ids = follow
      .out()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditEvent).id);
    assert.deepEqual(ids.slice(1), fresh);
    await recorder.close();
    await store.close();
  });

  it('wires the subcommands into commander', async () => {
    const program = new Command('airlock').exitOverride().configureOutput({ writeErr: () => undefined });
    registerAuditCommand(program);
    const saved = process.exitCode;
    try {
      await program.parseAsync(['audit', 'verify', '--data-dir', join(tmp.dir, 'nowhere')], { from: 'user' });
      assert.equal(process.exitCode, 2);
    } finally {
      process.exitCode = saved;
    }
    assert.throws(
      () => program.parse(['audit', 'export', '--format', 'xml'], { from: 'user' }),
      /Allowed choices are jsonl, csv/,
    );
    // What was typed, not what Number() made of it (NaN).
    for (const lines of ['abc', '0', '1001', '2.5', '']) {
      await assert.rejects(
        program.parseAsync(['audit', 'tail', '-n', lines, '--data-dir', join(tmp.dir, 'nowhere')], {
          from: 'user',
        }),
        (err: unknown) => {
          assert.ok(err instanceof CommanderError, String(err));
          assert.equal(
            err.message,
            `error: option '-n, --lines <n>' argument '${lines}' is invalid. use a whole number from 1 to 1000`,
          );
          return true;
        },
        lines,
      );
    }
  });
});
