/**
 * Inputs the readers once misread, each silently: a log whose lines start with `[` taken for a
 * JSON array (nothing scanned), an array of strings whose strings were not read, a transcript
 * whose first line is larger than the sniffed head taken for one JSON document, a private key
 * spread over the lines of a text file, a byte order mark before the first record, values
 * nested deeper than the walk went, and warnings that repeated a record's own text (a secret,
 * unmasked) in every report.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { splitLines } from '../../src/scan/readers/lines.js';
import { runScan } from '../../src/scan/run.js';
import { AWS, GHP, findingsOf, scanWithTestEngine, tempDir, where } from './helpers/run.js';

const HEAD_BYTES = 1024 * 1024;

/** A Claude Code record, its working directory a home path that is bookkeeping, not scanned. */
function claudeRecord(content: unknown, uuid: string): string {
  return JSON.stringify({
    parentUuid: null,
    cwd: '/home/alice/acme',
    sessionId: '5b0f3c2e-7d41-4c8e-9a1b-2f6e8d9c0a11',
    type: 'user',
    message: { role: 'user', content },
    uuid,
    timestamp: '2026-11-20T09:12:03.101Z',
  });
}

async function write(name: string, text: string | Buffer): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, text);
  return file;
}

describe('input the readers used to misread', () => {
  it('a log whose lines start with "[" is text, large or small: every line scanned, no warning', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `[INFO] 2026-01-01T00:00:07 worker ${i} done`);
    lines[15_000] = `[DEBUG] using AWS_ACCESS_KEY_ID=${AWS} for s3 upload`;
    const large = await write('app.log', lines.join('\n') + '\n');
    const small = await write('small.log', `[INFO] start\n[DEBUG] key ${AWS}\n`);
    for (const [file, line] of [
      [large, 15_001],
      [small, 2],
    ] as const) {
      const report = (await scanWithTestEngine([file], { reveal: true })).report!;
      assert.equal(report.files[0]?.format, 'text', file);
      assert.deepEqual(report.warnings, []);
      assert.deepEqual(
        report.findings.map((f) => [f.line, f.ruleId, f.value]),
        [[line, 'test.aws-access-key', AWS]],
      );
    }
  });

  it('an array of strings larger than the head: each string is read', async () => {
    const strings = Array.from({ length: 40_000 }, (_, i) => `entry ${i} of the export`);
    strings[100] = `deploy with ${GHP}`;
    const file = await write('strings.json', JSON.stringify(strings, null, 1));
    assert.ok(Buffer.byteLength(JSON.stringify(strings, null, 1)) > HEAD_BYTES);
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.records, 40_000);
    assert.deepEqual(report.findings.map(where), ['102 100 user test.github-token ' + GHP]);
  });

  it("a transcript whose first line is larger than the head is read as the assistant's records", async () => {
    // A pasted screenshot makes a first record of megabytes.
    const image = {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBO'.repeat(400_000) },
    };
    const file = await write(
      'session.jsonl',
      [
        claudeRecord([image, { type: 'text', text: 'what is on this screen?' }], 'u1'),
        claudeRecord([{ type: 'tool_result', tool_use_id: 't1', content: `token ${GHP}` }], 'u2'),
      ].join('\n') + '\n',
    );
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    assert.deepEqual(report.warnings, []);
    // The working directory in every record is bookkeeping: no home-path finding from it.
    assert.deepEqual(report.findings.map(where), [
      `2 message.content.0.content tool_result test.github-token ${GHP}`,
    ]);
  });

  it('one JSON document on one line larger than the head is read whole', async () => {
    const doc = {
      model: 'm',
      notes: 'x'.repeat(1_500_000),
      messages: [{ role: 'user', content: `key ${AWS}` }],
    };
    const file = await write('request.json', JSON.stringify(doc));
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.findings.map(where), [`1 messages.0.content user test.aws-access-key ${AWS}`]);
  });

  it('a private key spread over the lines of a text file is found, once, at its first line', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const dir = await tempDir();
    await writeFile(path.join(dir, 'id_rsa'), pem);
    await writeFile(path.join(dir, 'deploy.log'), `starting deploy\nwriting key:\n${pem}done\n`);
    const result = await runScan({
      paths: [dir],
      engine: {
        module: new URL('../../src/scan/default-engine.ts', import.meta.url).href,
        options: { canaries: false },
      },
      workers: 0,
      cwd: dir,
      format: 'json',
    });
    const keys = result.report!.findings.filter((f) => f.ruleId === 'secret.private-key');
    assert.deepEqual(keys.map((f) => [f.file, f.line, f.occurrences]).sort(), [
      ['deploy.log', 3, 1],
      ['id_rsa', 1, 1],
    ]);
  });

  it('a byte order mark before the first record: the record is read as such', async () => {
    const file = await write(
      'bom.jsonl',
      '\uFEFF' + claudeRecord(`see ${GHP}`, 'u1') + '\n' + claudeRecord('thanks', 'u2') + '\n',
    );
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.findings.map(where), [`1 message.content user test.github-token ${GHP}`]);
    // The same mark before a JSON document, a large JSON array and a text file.
    const doc = await write(
      'request.json',
      `\uFEFF${JSON.stringify({ messages: [{ role: 'user', content: GHP }] })}`,
    );
    const array = await write(
      'export.json',
      `\uFEFF${JSON.stringify(Array.from({ length: 40_000 }, (_, i) => (i === 7 ? `key ${AWS}` : `entry ${i}`)))}`,
    );
    const text = await write('notes.txt', `\uFEFFkey ${AWS}\n`);
    const others = (await scanWithTestEngine([doc, array, text], { reveal: true })).report!;
    assert.deepEqual(others.warnings, []);
    assert.deepEqual(others.files.map((f) => `${path.basename(f.file)} ${f.format} ${f.findings}`).sort(), [
      'export.json json 1',
      'notes.txt text 1',
      'request.json json 1',
    ]);
  });

  it('UTF-16 text and transcripts, with or without a byte order mark, are read', async () => {
    const text = `deploy log\r\nkey ${AWS}\r\ntoken ${GHP}\r\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const files = [
      await write('bom-le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), le])),
      await write('bom-be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be])),
      await write('plain-le.txt', le),
    ];
    for (const file of files) {
      const report = (await scanWithTestEngine([file], { reveal: true })).report!;
      assert.equal(report.files[0]?.format, 'text', file);
      assert.deepEqual(report.warnings, [], file);
      assert.deepEqual(
        report.findings.map((f) => `${f.line} ${f.ruleId} ${f.value}`),
        [`2 test.aws-access-key ${AWS}`, `3 test.github-token ${GHP}`],
      );
    }
    const transcript = Buffer.from(
      claudeRecord('hi', 'u1') + '\n' + claudeRecord(`see ${GHP}`, 'u2') + '\n',
      'utf16le',
    );
    const report = (await scanWithTestEngine([await write('session.jsonl', transcript)], { reveal: true }))
      .report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    assert.deepEqual(report.findings.map(where), [`2 message.content user test.github-token ${GHP}`]);
  });

  it('values nested deeper than the walk goes are still scanned', async () => {
    let deep: unknown = `key ${AWS}`;
    for (let i = 0; i < 70; i++) deep = { a: deep };
    const file = await write('deep.jsonl', JSON.stringify(deep) + '\n');
    const findings = await findingsOf([file]);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.value]),
      [['test.aws-access-key', AWS]],
    );
  });

  it('the line a read error cuts is handed over before the error', async () => {
    async function* cut(): AsyncGenerator<Buffer> {
      yield Buffer.from('first line\nkey ' + AWS.slice(0, 10));
      yield Buffer.from(AWS.slice(10));
      throw new Error('unexpected end of file');
    }
    const lines: string[] = [];
    await assert.rejects(async () => {
      for await (const batch of splitLines(cut(), 1024))
        lines.push(...batch.lines.map((l) => `${l.number} ${l.text}`));
    }, /unexpected end of file/);
    assert.deepEqual(lines, ['1 first line', `2 key ${AWS}`]);
  });

  it("a warning about a record that is not JSON does not repeat the record's text", async () => {
    const file = await write(
      'broken.jsonl',
      `${claudeRecord('hello', 'u1')}\n${AWS}\n{"k":${GHP}}\n\u001b]0;title\u0007\n`,
    );
    const result = await scanWithTestEngine([file], { format: 'sarif' });
    const messages = result.report!.warnings.map((w) => w.message);
    assert.equal(messages.length, 3);
    for (const message of messages) {
      assert.match(message, /^not valid JSON \(Unexpected token/);
      assert.doesNotMatch(message, /AKIA|ghp_/);
      assert.ok(!message.includes('\u001b') && !message.includes('\u0007'), message);
    }
    assert.match(messages[2]!, /U\+001B/);
    assert.doesNotMatch(result.output ?? '', /AKIAQ3EGZ7|ghp_R8x2/);
  });
});
