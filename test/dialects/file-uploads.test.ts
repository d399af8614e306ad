import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openaiFiles } from '../../src/dialects/file-uploads.js';
import {
  decodeForm,
  encodeForm,
  fileContent,
  formBoundary,
  type FormBody,
} from '../../src/dialects/multipart.js';
import { openaiChat } from '../../src/dialects/openai-chat.js';
import { AirlockError } from '../../src/errors.js';

const BOUNDARY = '----formdata-undici-0123456789';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const chat = { model: 'm', messages: [{ role: 'user', content: 'cd /home/alice/acme' }] };
const JSONL = `${JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: chat })}\n`;

function form(parts: string[]): Buffer {
  return Buffer.from(parts.map((p) => `--${BOUNDARY}\r\n${p}\r\n`).join('') + `--${BOUNDARY}--\r\n`);
}
const upload = form([
  'Content-Disposition: form-data; name="purpose"\r\n\r\nbatch',
  `Content-Disposition: form-data; name="file"; filename="batch.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${JSONL}`,
]);

describe('multipart uploads', () => {
  it('reads the boundary of a form-data content type only', () => {
    assert.equal(formBoundary(TYPE), BOUNDARY);
    assert.equal(formBoundary('multipart/form-data; boundary="a b"'), 'a b');
    assert.equal(formBoundary('multipart/mixed; boundary=x'), undefined);
    assert.equal(formBoundary('application/json'), undefined);
  });

  it('writes back the same bytes for a body as SDKs send it', async () => {
    const decoded = await decodeForm(upload, TYPE);
    assert.equal(encodeForm(decoded).toString(), upload.toString());
  });

  it('drops what the parser skips (a preamble, an epilogue): only what was inspected leaves', async () => {
    const sneaky = Buffer.concat([
      Buffer.from('preamble /home/alice\r\n'),
      upload,
      Buffer.from('epilogue /home/alice'),
    ]);
    const again = encodeForm(await decodeForm(sneaky, TYPE)).toString();
    assert.ok(!again.includes('preamble') && !again.includes('epilogue'));
  });

  it('reads a file as lines, text or bytes', () => {
    const kind = (text: string | Buffer, type = '', name = 'f') =>
      fileContent(Buffer.isBuffer(text) ? text : Buffer.from(text), type, name).kind;
    assert.equal(kind(JSONL), 'lines');
    assert.equal(kind('{"a":1}\r\n\r\n{"b":2}'), 'lines');
    assert.equal(kind('# Notes\n{"a":1}'), 'text');
    assert.equal(kind('42\n'), 'text');
    assert.equal(kind('plain text', 'application/octet-stream'), 'text');
    assert.equal(kind('%PDF-1.7 all ascii', 'application/pdf'), 'bytes');
    assert.equal(kind('ascii', '', 'scan.PNG'), 'bytes');
    assert.equal(kind(Buffer.from([0x68, 0x00, 0x69])), 'bytes');
    assert.equal(kind(Buffer.from([0xc3, 0x28])), 'bytes', 'not UTF-8');
  });

  it('refuses a body that is not a form, naming why', async () => {
    await assert.rejects(decodeForm(Buffer.from('{}'), 'application/json'), (err: unknown) => {
      assert.ok(err instanceof AirlockError);
      assert.equal(err.code, 'AIRLOCK_BAD_MULTIPART');
      return true;
    });
    await assert.rejects(decodeForm(Buffer.from('garbage'), TYPE), { code: 'AIRLOCK_BAD_MULTIPART' });
  });
});

describe('openai-files requests', () => {
  it('lists a batch line as the endpoint its url names, the file name, type and the fields', async () => {
    const body = (await decodeForm(upload, TYPE)) as FormBody;
    const segs = openaiFiles.segments(body);
    const line = ['parts', 1, 'file', 'lines', 0, 'body'];
    assert.deepEqual(
      segs.filter((s) => s.path[3] === 'lines').map((s) => ({ ...s, path: s.path.slice(line.length) })),
      openaiChat.segments(chat),
    );
    assert.ok(segs.every((s) => !s.path.includes('custom_id') && !s.path.includes('url')));
    assert.deepEqual(
      segs.filter((s) => s.path[3] !== 'lines').map((s) => [s.path.join('.'), s.text]),
      [
        ['parts.0.name', 'purpose'],
        ['parts.0.value', 'batch'],
        ['parts.1.name', 'file'],
        ['parts.1.filename', 'batch.jsonl'],
        ['parts.1.type', 'application/jsonl'],
      ],
    );
  });

  it('lists any other line whole, and a text file as one text', async () => {
    const other = form([
      `Content-Disposition: form-data; name="file"; filename="tune.jsonl"\r\n\r\n{"messages":[{"content":"alice"}]}\n{"x":{"/home/alice":1}}`,
      `Content-Disposition: form-data; name="file"; filename="a.py"\r\n\r\nprint("/home/alice")`,
    ]);
    const segs = openaiFiles.segments(await decodeForm(other, TYPE));
    assert.deepEqual(
      segs.filter((s) => s.text.includes('alice')).map((s) => [s.path.join('.'), s.key === true]),
      [
        ['parts.0.file.lines.0.messages.0.content', false],
        ['parts.0.file.lines.1.x', true],
        ['parts.1.file.text', false],
      ],
    );
  });

  it('restores the echoed file name only', () => {
    const fields = openaiFiles.answerFields({
      id: 'file-1',
      object: 'file',
      filename: 'a',
      purpose: 'batch',
    });
    assert.deepEqual(
      fields.map((f) => f.text),
      ['a'],
    );
  });
});
