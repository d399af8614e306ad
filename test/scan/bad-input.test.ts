/**
 * Bad and awkward input: a truncated JSONL line, a cut HAR, a binary file, an unreadable file,
 * a line over the cap, a truncated gzip (cut early or late), a FIFO, socket, device or symlink
 * loop — each a warning with file (and line), the scan goes on and the summary counts what was
 * skipped. Gzip files are read through zlib streams.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { discoverFiles } from '../../src/scan/files.js';
import { DEFAULT_LIMITS } from '../../src/scan/readers/read-file.js';
import { loadEngine } from '../../src/scan/engine.js';
import { prepareFile } from '../../src/scan/scan-file.js';
import { AWS, GHP, fixture, findingsOf, scanWithTestEngine, tempDir, where } from './helpers/run.js';
import { TEST_ENGINE } from './helpers/regex-engine.js';

describe('bad input', () => {
  it('a truncated JSONL line: warning with file and line, scanned as text, next lines read', async () => {
    const result = await scanWithTestEngine([fixture('truncated.jsonl')], { reveal: true });
    const report = result.report!;
    assert.deepEqual(
      report.warnings.map((w) => [w.file, w.line]),
      [['truncated.jsonl', 2]],
    );
    assert.match(report.warnings[0]!.message, /not valid JSON/);
    // Read in full, as text: counted as such, not as skipped.
    assert.equal(report.totals.linesSkipped, 0);
    assert.equal(report.totals.linesAsText, 1);
    // Line 2 is cut before the key, but its home path is still found (as text); line 3 is read.
    assert.deepEqual(
      report.findings.map((f) => `${f.line} ${f.ruleId}`),
      ['1 test.email', '2 test.home-path', '3 test.github-token'],
    );
    const sarif = JSON.parse(
      (await scanWithTestEngine([fixture('truncated.jsonl')], { format: 'sarif' })).output,
    ) as {
      runs: { properties: { totals: { linesSkipped: number; linesAsText: number } } }[];
    };
    assert.deepEqual(
      [sarif.runs[0]!.properties.totals.linesSkipped, sarif.runs[0]!.properties.totals.linesAsText],
      [0, 1],
    );
  });

  it('a JSON document that does not parse is scanned as text, counted as such and not as skipped', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'request.json');
    await writeFile(file, `{"messages": [{"role": "user", "content": "key ${AWS}"}],\n"cut": `);
    const result = await scanWithTestEngine([file], { reveal: true, format: 'text', cwd: dir });
    const report = result.report!;
    assert.deepEqual(
      report.findings.map((f) => `${f.line} ${f.value}`),
      [`1 ${AWS}`],
    );
    assert.deepEqual([report.totals.linesSkipped, report.totals.linesAsText], [0, 1]);
    assert.match(result.output, /^Scanned as plain text \(not valid JSON\): 1 line or document /m);
    assert.doesNotMatch(result.output, /^Skipped:/m);
  });

  it('a HAR cut inside an entry: the whole entries before it are scanned, then a warning', async () => {
    const result = await scanWithTestEngine([fixture('invalid.har')]);
    const report = result.report!;
    assert.equal(report.files[0]?.format, 'har');
    assert.equal(report.files[0]?.records, 1);
    assert.equal(report.findings.length, 4);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0]!.message, /invalid HAR: the document ends early/);
    assert.ok((report.warnings[0]!.line ?? 0) > 50);
  });

  it('a HAR entry that is not JSON inside is skipped alone; a file that only looks like a HAR warns', async () => {
    const dir = await tempDir();
    const broken = path.join(dir, 'broken.har');
    const har = await readFile(fixture('capture.har'), 'utf8');
    // Break the first entry's JSON (a bare word where a value belongs): entry 2 must still be read.
    await writeFile(broken, har.replace('"time": 812', '"time": eight-hundred'));
    const report = (await scanWithTestEngine([broken])).report!;
    assert.deepEqual(
      report.warnings.map((w) => [w.line, /entry 0 skipped/.test(w.message)]),
      [[10, true]],
    );
    assert.ok(
      report.findings.every((f) => f.path[2] === 1),
      'only entry 1 findings',
    );
    assert.ok(report.findings.length > 0);
    const empty = path.join(dir, 'empty.har');
    await writeFile(empty, '{"log": {"version": "1.2", "creator": {"name": "x"}}}');
    const emptyReport = (await scanWithTestEngine([empty])).report!;
    assert.match(emptyReport.warnings[0]!.message, /no readable entries/);
  });

  it('binary and unreadable files are skipped with a warning; the others are scanned', async (t) => {
    const dir = await tempDir();
    await copyFile(fixture('binary.bin'), path.join(dir, 'a.bin'));
    await copyFile(fixture('qwen-session.jsonl'), path.join(dir, 'b.jsonl'));
    const locked = path.join(dir, 'c.jsonl');
    await copyFile(fixture('qwen-session.jsonl'), locked);
    await chmod(locked, 0o000);
    const report = (await scanWithTestEngine([dir])).report!;
    const byFile = Object.fromEntries(report.warnings.map((w) => [path.basename(w.file), w.message]));
    assert.match(byFile['a.bin']!, /binary file, skipped/);
    if (process.getuid?.() === 0) {
      t.diagnostic('running as root: permissions do not stop reads, c.jsonl is read');
      assert.equal(report.totals.filesSkipped, 1);
    } else {
      assert.match(byFile['c.jsonl']!, /unreadable, skipped \(EACCES: permission denied, open /);
      assert.equal(report.totals.filesSkipped, 2);
    }
    assert.ok(report.findings.some((f) => f.file.endsWith('b.jsonl')));
  });

  it('a file prepared ahead that fails to open is skipped with a warning when its turn comes', async () => {
    const dir = await tempDir();
    const gone = path.join(dir, 'gone.jsonl');
    const opts = {
      engine: await loadEngine(TEST_ENGINE),
      fingerprintKey: 'k',
      reveal: false,
      limits: DEFAULT_LIMITS,
      maxFindings: 100,
    };
    const scan = prepareFile(gone, 'gone.jsonl', opts);
    // The failed opening settles long before the scan asks for it: no unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await scan();
    assert.equal(result.skipped, true);
    assert.equal(result.summary.bytes, 0);
    // The code once, as Node's message already starts with it.
    assert.match(
      result.warnings[0]!.message,
      /^unreadable, skipped \(ENOENT: no such file or directory, open /,
    );
  });

  it('a line over the cap is skipped with a warning, without being held in memory', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'long.txt');
    await writeFile(file, `first ${AWS}\n${'x'.repeat(300_000)} ${GHP}\nlast ${AWS}\n`);
    const report = (await scanWithTestEngine([file], { limits: { maxLineBytes: 100_000 } })).report!;
    assert.deepEqual(
      report.warnings.map((w) => w.line),
      [2],
    );
    assert.match(report.warnings[0]!.message, /300041 bytes is over the 100000-byte line cap/);
    assert.deepEqual(
      report.findings.map((f) => f.line),
      [1],
    );
    assert.equal(report.findings[0]?.occurrences, 2, 'line 3 holds the same key again');
    assert.equal(report.totals.linesSkipped, 1);
  });

  it('reads gzip files by content, and keeps what it read before a truncated gzip ends', async () => {
    const dir = await tempDir();
    const original = await readFile(fixture('claude-code-session.jsonl'));
    const gz = gzipSync(original);
    await writeFile(path.join(dir, 'session.jsonl.gz'), gz);
    await writeFile(path.join(dir, 'no-extension'), gzipSync(await readFile(fixture('capture.har'))));
    const findings = await findingsOf([dir]);
    const plain = await findingsOf([fixture('claude-code-session.jsonl')]);
    assert.deepEqual(
      findings.filter((f) => path.basename(f.file) === 'session.jsonl.gz').map(where),
      plain.map(where),
    );
    assert.equal(
      findings.filter((f) => path.basename(f.file) === 'no-extension' && f.format === 'har').length,
      4,
    );

    // A big gzip cut in half: a warning, and the findings from the first half are kept.
    const lines = Array.from({ length: 8_000 }, (_, i) =>
      JSON.stringify({
        type: 'user',
        uuid: `u${i}`,
        sessionId: 's',
        message: { role: 'user', content: `line ${i} AKIA${String(i).padStart(16, '0')}` },
      }),
    );
    const big = gzipSync(Buffer.from(`${lines.join('\n')}\n`));
    const cut = path.join(dir, 'cut.jsonl.gz');
    await writeFile(cut, big.subarray(0, Math.floor(big.length / 2)));
    const report = (await scanWithTestEngine([cut])).report!;
    // The record the cut broke off is scanned as text (its warning), then the cut is reported.
    assert.deepEqual(
      report.warnings.map((w) => w.message.replace(/\(.*\)/, '(…)')),
      [
        'not valid JSON (…); scanned as text',
        'reading stopped early (…); findings before this point are kept',
      ],
    );
    assert.match(report.warnings[1]!.message, /Z_BUF_ERROR|unexpected end of file/);
    assert.ok(
      report.findings.length > 500 && report.findings.length < 8_000,
      `${report.findings.length} findings before the cut`,
    );
  });
});

describe('truncated gzip inside its first 64 KiB', () => {
  /** A key, then incompressible text: cut anywhere, the archive inflates to about what it kept. */
  async function cutGzip(dir: string, name: string, keep: number): Promise<string> {
    const text = `${AWS}\n${randomBytes(45_000).toString('base64').replace(/.{76}/g, '$&\n')}\n`;
    const file = path.join(dir, name);
    await writeFile(file, gzipSync(Buffer.from(text)).subarray(0, keep));
    return file;
  }

  it('what inflated before the cut is scanned, then the cut is a warning', async () => {
    const dir = await tempDir();
    const file = await cutGzip(dir, 'cut.gz', 20_000);
    const expected = gunzipSync(await readFile(file), { finishFlush: constants.Z_SYNC_FLUSH });
    assert.ok(expected.length > 10_000 && expected.length < 64 * 1024, `${expected.length} bytes inflate`);
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.deepEqual(
      report.findings.map((f) => `${f.line} ${f.value}`),
      [`1 ${AWS}`],
    );
    assert.equal(report.files[0]?.format, 'text');
    // Every whole line that inflated is read (the one the cut split may be too).
    const wholeLines = expected.toString().split('\n').length - 1;
    const records = report.files[0]?.records ?? 0;
    assert.ok(
      records === wholeLines || records === wholeLines + 1,
      `${records} records, ${wholeLines} lines`,
    );
    assert.deepEqual(
      report.warnings.map((w) => w.message),
      ['reading stopped early (Z_BUF_ERROR: unexpected end of file); findings before this point are kept'],
    );
    assert.equal(report.totals.filesSkipped, 0);
    assert.equal(report.totals.linesSkipped, 1);
  });

  it('a gzip that inflates to nothing before it fails is unreadable; an empty .gz is an empty file', async () => {
    const dir = await tempDir();
    const header = await cutGzip(dir, 'header-only.gz', 8);
    const magic = path.join(dir, 'magic.gz');
    await writeFile(magic, Buffer.from([0x1f, 0x8b]));
    // Gzip magic, then an unknown compression method (0xff): zlib fails on the header.
    const garbage = path.join(dir, 'garbage.gz');
    await writeFile(garbage, Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(8).fill(0xff, 0, 1)]));
    const empty = path.join(dir, 'empty.gz');
    await writeFile(empty, '');
    const report = (await scanWithTestEngine([header, magic, garbage, empty])).report!;
    assert.deepEqual(
      report.warnings.map((w) => [
        path.basename(w.file),
        /^unreadable, skipped \(Z_[A-Z_]+: /.test(w.message),
      ]),
      [
        ['garbage.gz', true],
        ['header-only.gz', true],
        ['magic.gz', true],
      ],
    );
    assert.equal(report.totals.filesSkipped, 3);
    assert.deepEqual(
      report.files.filter((f) => f.format !== 'skipped').map((f) => [path.basename(f.file), f.records]),
      [['empty.gz', 0]],
    );
  });
});

describe('paths that are not regular files', () => {
  /** A folder holding a FIFO, a socket, a symlink to the FIFO, a symlink loop and one real file. */
  async function oddFolder(t: TestContext): Promise<{ dir: string; fifo: string; loop: string }> {
    const dir = await tempDir();
    const fifo = path.join(dir, 'fifo.jsonl');
    const made = spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, String(made.stderr));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'socket.jsonl'), resolve));
    t.after(() => server.close());
    await symlink(fifo, path.join(dir, 'to-fifo.jsonl'));
    const loop = path.join(dir, 'loop-a.jsonl');
    await symlink(path.join(dir, 'loop-b.jsonl'), loop);
    await symlink(loop, path.join(dir, 'loop-b.jsonl'));
    await writeFile(path.join(dir, 'real.jsonl'), `{"text": "${AWS}"}\n`);
    return { dir, fifo, loop };
  }

  it('a FIFO, a socket or a device named or found in a folder is skipped with a warning, not read', async (t) => {
    const { dir, fifo } = await oddFolder(t);
    // Reading the FIFO would wait forever for a writer: the test timeout would catch it.
    const named = (await scanWithTestEngine([fifo, '/dev/null'], { cwd: dir })).report!;
    assert.deepEqual(
      named.warnings.map((w) => `${w.file}: ${w.message}`),
      ['fifo.jsonl: not a regular file, skipped', '/dev/null: not a regular file, skipped'],
    );
    assert.deepEqual(named.files, []);
    assert.equal(named.totals.filesSkipped, 2);
    // Skipped files are among the files counted, as an unreadable one is ("2 files (2 skipped)").
    assert.equal(named.totals.files, 2);
    const walked = (await scanWithTestEngine([dir], { cwd: dir, reveal: true })).report!;
    assert.deepEqual(
      walked.warnings.map((w) => `${w.file}: ${w.message}`),
      [
        'fifo.jsonl: not a regular file, skipped',
        'loop-a.jsonl: symlink loop, skipped',
        'loop-b.jsonl: symlink loop, skipped',
        'socket.jsonl: not a regular file, skipped',
        'to-fifo.jsonl: not a regular file, skipped',
      ],
    );
    assert.deepEqual(
      walked.findings.map((f) => `${f.file} ${f.value}`),
      [`real.jsonl ${AWS}`],
    );
    assert.equal(walked.totals.filesSkipped, 5);
    assert.equal(walked.totals.files, 6);
    const found = await discoverFiles([dir, fifo, '/dev/null'], dir, {
      transcriptsOnly: false,
      explicit: true,
    });
    // Counted once each, however they were reached.
    assert.equal(found.skipped, 6);
    assert.deepEqual(
      found.files.map((f) => f.display),
      ['real.jsonl'],
    );
  });

  it('no path and no transcripts in the default folders: a warning says so, not a bare "No findings"', async () => {
    const home = await tempDir();
    const result = await scanWithTestEngine([], { home, format: 'text' });
    assert.equal(result.exitCode, 0);
    assert.deepEqual(
      result.report!.warnings.map((w) => w.message),
      ['no assistant transcripts found in these folders; name the files or folders to scan'],
    );
    assert.match(result.output, /\.claude\/projects, .*\.codex\/sessions/);
  });

  it('a file reached twice (a symlink beside its target, named and in a named folder) is scanned once', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'session.jsonl'), `{"k":"key ${AWS}"}\n`);
    await symlink('session.jsonl', path.join(dir, 'latest.jsonl'));
    const report = (await scanWithTestEngine([dir, path.join(dir, 'session.jsonl')], { cwd: dir })).report!;
    assert.equal(report.files.length, 1);
    assert.equal(report.findings.length, 1);
    assert.equal(report.findings[0]!.occurrences, 1);
  });

  it('a symlink loop given as a path is a symlink loop, not a missing path', async (t) => {
    const { dir, loop } = await oddFolder(t);
    const found = await discoverFiles([loop, path.join(dir, 'nope.jsonl')], dir, {
      transcriptsOnly: false,
      explicit: true,
    });
    assert.deepEqual(found.missing, [path.join(dir, 'nope.jsonl')]);
    assert.deepEqual(found.warnings, [{ file: 'loop-a.jsonl', message: 'symlink loop, skipped' }]);
    assert.equal(found.skipped, 1);
    const report = (await scanWithTestEngine([loop], { cwd: dir })).report!;
    assert.deepEqual(
      report.warnings.map((w) => w.message),
      ['symlink loop, skipped'],
    );
  });
});

describe('large documents', () => {
  it('a JSON array too large to read whole is read element by element, with paths from the dialects', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'requests.json');
    const body = (i: number) => ({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: `run ${i} in /home/jdoe/x` },
        { role: 'user', content: 'x'.repeat(2000) + (i === 150 ? ` ${AWS}` : '') },
      ],
    });
    await writeFile(
      file,
      JSON.stringify(
        Array.from({ length: 200 }, (_, i) => body(i)),
        null,
        2,
      ),
    );
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'json');
    assert.equal(report.files[0]?.records, 200);
    const aws = report.findings.find((f) => f.value === AWS);
    assert.deepEqual(aws?.path, [150, 'messages', 1, 'content']);
    assert.equal(aws?.role, 'user');
    assert.equal(report.findings.find((f) => f.ruleId === 'test.home-path')?.role, 'system');
  });
});
