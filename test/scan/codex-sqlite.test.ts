/**
 * Codex CLI's SQLite databases (0.16x): the thread history and thread titles as the real Codex
 * 0.169 wrote them (test/fixtures/scan/real/codex-*.sqlite), and its memories, goals and queue
 * tables as its migrations create them, are read read-only; a database with none of the tables
 * read is skipped with its reason, as is a gzip of one; a database's -wal/-shm beside it are read
 * with it, not reported; with no path, ~/.codex's conversation databases are scanned.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { defaultRoots } from '../../src/scan/files.js';
import { AWS, EMAIL, FIXTURES, GHP, scanWithTestEngine, tempDir, where } from './helpers/run.js';

const REAL = path.join(FIXTURES, '..', 'real');
/** The key the simulator's .env held when the real Codex wrote the fixtures. */
const REAL_AWS = 'AKIAZ7QWERTYUIOPLKJH';
const REAL_GHP = 'ghp_Zq4Lm8Nx2Vb6Cs1Dr5Ft9Gy3Hu7Jk0Pe4Wa8';

/** A copy in a temp folder: opening a WAL database makes its -wal and -shm beside it. */
async function copyOf(name: string, dir: string, as = name.replace(/^codex-/, '')): Promise<string> {
  const to = path.join(dir, as);
  await copyFile(path.join(REAL, name), to);
  return to;
}

describe('Codex CLI SQLite databases', () => {
  it('thread history: each turn item is read by its type, at its rowid, with its time', async () => {
    const dir = await tempDir();
    const file = await copyOf('codex-thread_history_1.sqlite', dir);
    const report = (await scanWithTestEngine([file], { reveal: true, cwd: dir })).report!;
    assert.deepEqual(report.warnings, []);
    assert.equal(report.files[0]?.format, 'codex-sqlite');
    assert.equal(report.files[0]?.records, 4, 'the four items of the one turn');
    assert.deepEqual(report.findings.map(where), [
      `3 thread_items.item_json.aggregatedOutput tool_result test.aws-access-key ${REAL_AWS}`,
      `3 thread_items.item_json.aggregatedOutput tool_result test.github-token ${REAL_GHP}`,
      `4 thread_items.item_json.text assistant test.aws-access-key ${REAL_AWS}`,
    ]);
    assert.ok(report.findings.every((f) => f.assistant === 'codex' && f.timestamp?.startsWith('2026-')));
  });

  it('thread titles, memories, goals and queued messages are read; ids, paths and settings are not', async () => {
    const dir = await tempDir();
    const state = await copyOf('codex-state_5.sqlite', dir);
    const db = new Database(state);
    db.prepare('UPDATE threads SET title = ?, first_user_message = ?').run(
      `deploy with ${AWS}`,
      `mail ${EMAIL}`,
    );
    db.close();
    // Not in the real run (it wrote none): the tables as Codex 0.169's migrations create them.
    const other = path.join(dir, 'memories_1.sqlite');
    const mem = new Database(other);
    mem.exec(
      `CREATE TABLE stage1_outputs (thread_id TEXT PRIMARY KEY, source_updated_at INTEGER NOT NULL,
        raw_memory TEXT NOT NULL, rollout_summary TEXT NOT NULL, rollout_slug TEXT,
        generated_at INTEGER NOT NULL, usage_count INTEGER, last_usage INTEGER,
        selected_for_phase2 INTEGER NOT NULL DEFAULT 0, selected_for_phase2_source_updated_at INTEGER);
      CREATE TABLE thread_goals (thread_id TEXT PRIMARY KEY NOT NULL, goal_id TEXT NOT NULL,
        objective TEXT NOT NULL, status TEXT NOT NULL, token_budget INTEGER,
        tokens_used INTEGER NOT NULL DEFAULT 0, time_used_seconds INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL);
      CREATE TABLE queued_items (id TEXT PRIMARY KEY NOT NULL, thread_id TEXT NOT NULL,
        payload_json TEXT NOT NULL, queue_order INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL);`,
    );
    mem
      .prepare(
        'INSERT INTO stage1_outputs (thread_id, source_updated_at, raw_memory, rollout_summary, generated_at) VALUES (?, 1, ?, ?, 1)',
      )
      .run(`/home/jdoe/ghp_${'x'.repeat(4)}`, 'the user keeps keys in deploy.env', `used token ${GHP}`);
    mem
      .prepare(
        'INSERT INTO thread_goals (thread_id, goal_id, objective, status, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 1, 1)',
      )
      .run('t', 'g', `rotate ${AWS}`, 'active');
    mem
      .prepare(
        'INSERT INTO queued_items (id, thread_id, payload_json, queue_order, created_at_ms, updated_at_ms) VALUES (?, ?, ?, 1, 1, 1)',
      )
      .run('q', 't', JSON.stringify({ items: [{ type: 'text', text: `and mail ${EMAIL}` }] }));
    mem.close();
    const report = (await scanWithTestEngine([state, other], { reveal: true, cwd: dir })).report!;
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(
      report.findings.map((f) => `${f.file} ${where(f)}`),
      [
        `memories_1.sqlite 1 queued_items.payload_json.items.0.text user test.email ${EMAIL}`,
        `memories_1.sqlite 1 stage1_outputs.rollout_summary assistant test.github-token ${GHP}`,
        `memories_1.sqlite 1 thread_goals.objective user test.aws-access-key ${AWS}`,
        `state_5.sqlite 1 threads.first_user_message user test.email ${EMAIL}`,
        `state_5.sqlite 1 threads.title user test.aws-access-key ${AWS}`,
      ],
    );
    // The real row's cwd and rollout path (bookkeeping) gave nothing; its preview is the prompt.
    assert.ok(report.findings.every((f) => f.format === 'codex-sqlite'));
  });

  it('a database with none of the tables read, or gzip-compressed, is skipped with its reason', async () => {
    const dir = await tempDir();
    const logs = path.join(dir, 'logs_2.sqlite');
    const db = new Database(logs);
    db.exec('CREATE TABLE logs (id INTEGER PRIMARY KEY, feedback_log_body TEXT)');
    db.prepare('INSERT INTO logs (feedback_log_body) VALUES (?)').run(`key ${AWS}`);
    db.close();
    const gz = path.join(dir, 'history.sqlite.gz');
    await writeFile(gz, gzipSync(await readFile(path.join(REAL, 'codex-thread_history_1.sqlite'))));
    const result = await scanWithTestEngine([logs, gz], { format: 'text', cwd: dir });
    const report = result.report!;
    assert.deepEqual(
      report.warnings.map((w) => `${w.file}: ${w.message}`),
      [
        'history.sqlite.gz: gzip-compressed SQLite database (decompress it to scan it), skipped',
        "logs_2.sqlite: SQLite database with none of the tables airlock scan reads (Codex CLI's thread_items, thread_realtime_items, threads, stage1_outputs, thread_goals, queued_items), skipped",
      ],
    );
    assert.equal(report.totals.filesSkipped, 2);
    assert.match(result.output, /^Skipped: 2 files \(see warnings\)$/m);
  });

  it("with no path, ~/.codex's conversation databases are scanned, their -wal and -shm with them", async () => {
    const home = await tempDir();
    const codex = path.join(home, '.codex');
    await mkdir(codex, { recursive: true });
    const history = await copyOf('codex-thread_history_1.sqlite', codex);
    await writeFile(path.join(codex, 'logs_2.sqlite'), '');
    // Read once: SQLite makes the WAL database's -wal and -shm beside it, as Codex leaves them.
    const db = new Database(history, { readonly: true });
    db.prepare('SELECT count(*) FROM thread_items').get();
    db.close();
    assert.ok((await readdir(codex)).includes('thread_history_1.sqlite-shm'));
    assert.deepEqual(
      defaultRoots(home).filter((r) => r.startsWith(codex)),
      [path.join(codex, 'sessions'), history],
    );
    const report = (await scanWithTestEngine([], { home, cwd: home })).report!;
    assert.deepEqual(
      report.files.map((f) => `${f.file} ${f.format}`),
      ['.codex/thread_history_1.sqlite codex-sqlite'],
    );
    assert.equal(report.totals.findings, 3);
    // Named as a folder, the side files are read with their database, not reported apart.
    const named = (await scanWithTestEngine([codex], { cwd: home, workers: 1 })).report!;
    assert.deepEqual(
      named.files.map((f) => f.file),
      ['.codex/logs_2.sqlite', '.codex/thread_history_1.sqlite'],
    );
    assert.deepEqual(named.warnings, []);
    assert.equal(named.totals.findings, 3, 'read in a worker thread too');
  });
});
