/**
 * Blank and short lines: empty lines (`\n`, `\r\n`) and lines of only spaces and tabs are
 * counted, not handed over as lines (one
 * string and one object each made a file of newlines cost ~20 s and ~370 MB per 64 MB), and a
 * batch of lines is bounded by the bytes it covers, newlines included, so a chunk of short lines
 * is not one batch of half a million lines. Line numbers after them stay right.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { splitLines, type LineBatch } from '../../src/scan/readers/lines.js';
import { AWS, GHP, scanWithTestEngine, tempDir } from './helpers/run.js';

/** How lines.ts bounds a batch: about this many bytes of input, newlines included. */
const BATCH_BYTES = 64 * 1024;

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(bytes: Buffer, size: number): Promise<LineBatch[]> {
  const out: LineBatch[] = [];
  for await (const batch of splitLines(chunksOf(bytes, size), 1 << 20)) out.push(batch);
  return out;
}

describe('empty lines', () => {
  it('are not handed over, and the lines after them keep their numbers', async () => {
    const text =
      '\n'.repeat(300_000) +
      'first\n' +
      '\r\n'.repeat(1000) +
      '  x\n' + // indented: a line like any other
      '\r\n\n\r\n' +
      'last\r\n' +
      '\n'.repeat(5);
    const bytes = Buffer.from(text);
    // One chunk, small chunks (a \r\n cut between two chunks), and chunks of one byte.
    for (const size of [1 << 20, 4099, 1]) {
      const batches = await collect(bytes, size);
      const lines = batches.flatMap((b) => b.lines.map((l) => `${l.number} ${JSON.stringify(l.text)}`));
      assert.deepEqual(lines, ['300001 "first"', '301002 "  x"', '301006 "last"'], `chunks of ${size}`);
      assert.ok(
        batches.every((b) => b.lines.length > 0 || b.tooLong.length > 0),
        'no batch is handed over empty',
      );
    }
  });

  it('a chunk of newlines alone gives no batch at all', async () => {
    assert.deepEqual(await collect(Buffer.alloc(1 << 20, 0x0a), 1 << 20), []);
    assert.deepEqual(await collect(Buffer.from('\r\n'.repeat(1 << 19)), 1 << 20), []);
  });

  it('a file of blank lines is scanned with its findings at the right lines, plain and gzip', async () => {
    const dir = await tempDir();
    const text = `${'\n'.repeat(200_000)}key ${AWS}\n${'\r\n'.repeat(50_000)}\n\ntoken ${GHP}\n${'\n'.repeat(1000)}`;
    const plain = path.join(dir, 'blank.txt');
    await writeFile(plain, text);
    const packed = path.join(dir, 'blank.txt.gz');
    await writeFile(packed, gzipSync(Buffer.from(text)));
    for (const f of [plain, packed]) {
      const report = (await scanWithTestEngine([f])).report!;
      assert.deepEqual(
        report.findings.map((x) => `${x.line} ${x.ruleId}`),
        ['200001 test.aws-access-key', '250004 test.github-token'],
        f,
      );
      assert.equal(report.files[0]?.records, 2);
      assert.deepEqual(report.warnings, []);
    }
  });
});

describe('lines of only spaces and tabs', () => {
  const blank = ['   \n', '\t\n', ' \t \r\n', '\f\v \n', ' \r \n'];

  it('are counted like empty lines, also when a chunk ends inside one', async () => {
    const text =
      blank.join('').repeat(20_000) + // lines 1-100000
      'first\n' +
      ' '.repeat(5000) + // a blank line longer than the small chunks below
      '\n\t\tindented\n' +
      '\u3000\u200b \n' + // Unicode spaces are not blank: the hidden-Unicode rules look at them
      '\t \r\n' +
      'last' +
      '\n   '; // a blank last line without its newline
    const bytes = Buffer.from(text);
    for (const size of [1 << 20, 4099, 7, 1]) {
      const batches = await collect(bytes, size);
      const lines = batches.flatMap((b) => b.lines.map((l) => `${l.number} ${JSON.stringify(l.text)}`));
      assert.deepEqual(
        lines,
        ['100001 "first"', '100003 "\\t\\tindented"', '100004 "\u3000\u200b "', '100006 "last"'],
        `chunks of ${size}`,
      );
    }
  });

  it('in a text file and in JSONL: findings at the right lines, no records or warnings for them', async () => {
    const dir = await tempDir();
    const filler = blank.join('').repeat(40_000); // 200,000 lines
    const text = `${filler}key ${AWS}\n${filler}${filler}token ${GHP}\n${filler}`;
    const jsonl =
      `{"note":"start of the session"}\n${filler}{"note":"key ${AWS}"}\n` +
      `${filler}  \t\n{"note":"token ${GHP}"}\n${filler}`;
    const files = {
      'spaces.txt': text,
      'spaces.txt.gz': gzipSync(Buffer.from(text)),
      'spaces.jsonl': jsonl,
    };
    const expected = {
      'spaces.txt': ['200001 test.aws-access-key', '600002 test.github-token'],
      'spaces.txt.gz': ['200001 test.aws-access-key', '600002 test.github-token'],
      'spaces.jsonl': ['200002 test.aws-access-key', '400004 test.github-token'],
    };
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      const report = (await scanWithTestEngine([file])).report!;
      assert.deepEqual(
        report.findings.map((x) => `${x.line} ${x.ruleId}`),
        expected[name as keyof typeof expected],
        name,
      );
      assert.equal(report.files[0]?.records, name.endsWith('.jsonl') ? 3 : 2, name);
      assert.deepEqual(report.warnings, [], name);
      assert.equal(report.totals.linesSkipped, 0, name);
    }
  });
});

describe('batches of short lines', () => {
  it('are bounded by their bytes, newlines included', async () => {
    // 600 KB in one chunk: 300,000 lines of one character.
    const bytes = Buffer.from('x\n'.repeat(300_000));
    const batches = await collect(bytes, bytes.length);
    let number = 0;
    for (const batch of batches) {
      const covered = batch.lines.reduce((n, l) => n + l.text.length + 1, 0);
      assert.ok(covered <= BATCH_BYTES + 2, `a batch covers ${covered} bytes (${batch.lines.length} lines)`);
      for (const line of batch.lines) assert.equal(line.number, (number += 1));
    }
    assert.equal(number, 300_000);
    assert.ok(batches.length >= Math.floor(bytes.length / BATCH_BYTES), `${batches.length} batches`);
  });

  it('with blank lines between them, too', async () => {
    const bytes = Buffer.from('x\n\n\n\n'.repeat(100_000));
    const batches = await collect(bytes, bytes.length);
    for (const batch of batches)
      assert.ok(batch.lines.length <= BATCH_BYTES / 5 + 1, `${batch.lines.length} lines`);
    assert.equal(
      batches.reduce((n, b) => n + b.lines.length, 0),
      100_000,
    );
    assert.equal(batches.at(-1)?.lines.at(-1)?.number, 399_997);
  });
});
