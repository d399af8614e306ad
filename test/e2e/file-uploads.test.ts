/**
 * File uploads through a whole Airlock to the simulator, with the official SDKs: an OpenAI batch
 * input file (JSON Lines of chat, responses and embeddings requests), a text file and an
 * Anthropic upload are inspected, so planted values never reach the provider; a binary file goes
 * as it came; a policy that blocks refuses the upload in the provider's shape.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic, { toFile as anthropicFile } from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { maskValue } from '../../src/detect/mask.js';
import { runAuditExport, runAuditTail } from '../../src/cli/commands/audit.js';
import { captureIo } from '../audit/helpers.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { BLOCKING_CLIENT, BLOCKING_POLICY, leaks, plantedText, plantedValues } from '../helpers/planted.js';

let fe: FakeEnv;
let stack: AirlockStack;
let dir: string;
before(async () => {
  fe = makeFakeEnv();
  dir = mkdtempSync(join(tmpdir(), 'airlock-uploads-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, BLOCKING_POLICY);
  stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { fe, policyFile });
});
after(async () => {
  await stack.close();
  fe.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => stack.sim.reset());

const openai = (userAgent?: string) =>
  new OpenAI({
    apiKey: 'sk-test',
    baseURL: stack.via.openai,
    maxRetries: 0,
    ...(userAgent ? { defaultHeaders: { 'user-agent': userAgent } } : {}),
  });
const anthropic = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });

/** The one request the simulator received: its body, checked for planted values. */
function seenUpstream(): string {
  const received = stack.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  assert.match(received[0]!.path, /^\/v1\/files$/);
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
  return received[0]!.body.toString();
}

function batchFile(): string {
  const text = plantedText(fe);
  return [
    {
      custom_id: 'chat-1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: `You help ${fe.user}.` },
          { role: 'user', content: text },
        ],
      },
    },
    { custom_id: 'resp-1', method: 'POST', url: '/v1/responses', body: { model: 'gpt-5', input: text } },
    { custom_id: 'emb-1', method: 'POST', url: '/v1/embeddings', body: { model: 'e', input: [text] } },
  ]
    .map((line) => JSON.stringify(line))
    .join('\n')
    .concat('\n');
}

describe('OpenAI file uploads', () => {
  test('a batch input file: each line inspected as the endpoint its url names', async () => {
    const file = await openai().files.create({
      file: await toFile(Buffer.from(batchFile()), `batch-of-${fe.user}.jsonl`),
      purpose: 'batch',
    });
    assert.equal(file.object, 'file');
    assert.equal(file.filename, `batch-of-${fe.user}.jsonl`, 'the echoed file name is restored');
    const body = seenUpstream();
    const sent = body
      .slice(body.indexOf('{"custom_id"'))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { custom_id: string; body: Record<string, unknown> });
    assert.deepEqual(
      sent.map((l) => l.custom_id),
      ['chat-1', 'resp-1', 'emb-1'],
    );
    assert.match(JSON.stringify(sent[0]!.body), /Working directory: \/home\/user\//);
    assert.match(body, /name="purpose"\r\n\r\nbatch\r\n/);
  });

  test('a text file: its text inspected', async () => {
    await openai().files.create({
      file: await toFile(Buffer.from(`# Notes\n\n${plantedText(fe)}`), 'notes.md', { type: 'text/markdown' }),
      purpose: 'user_data',
    });
    const body = seenUpstream();
    assert.match(body, /Content-Type: text\/markdown\r\n\r\n# Notes\n\nWorking directory: \/home\/user\//);
  });

  test('a binary file goes as it came', async () => {
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
      Buffer.from([0, 1, 2, 255, 254]),
      Buffer.from('\n%%EOF\n'),
    ]);
    await openai().files.create({
      file: await toFile(pdf, `scan-of-${fe.user}.pdf`, { type: 'application/pdf' }),
      purpose: 'user_data',
    });
    seenUpstream();
    assert.ok(stack.sim.received[0]!.body.includes(pdf), 'the bytes are unchanged');
    // The audit log says what left unread: field, declared type, size, the name masked.
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request' });
    const event = events.find((e) => e.uninspected !== undefined);
    assert.deepEqual(event?.uninspected, [
      {
        bytes: pdf.length,
        field: 'file',
        name: maskValue(`scan-of-${fe.user}.pdf`, false),
        type: 'application/pdf',
      },
    ]);
    const io = captureIo();
    assert.equal(await runAuditTail({ dataDir: stack.dataDir, lines: 5 }, io), 0, io.err());
    assert.match(io.out(), new RegExp(`uninspected=file:application/pdf:${pdf.length}:sca…df`));
    const csv = captureIo();
    assert.equal(await runAuditExport({ dataDir: stack.dataDir, format: 'csv' }, csv), 0, csv.err());
    assert.match(csv.out(), new RegExp(`,file:application/pdf:${pdf.length}:sca…df,[0-9a-f]{64}\r\n`));
    assert.ok(!JSON.stringify(events).includes(fe.user), 'the file name is never in the log whole');
  });

  test("each part's field name and a file's declared type inspected, and written back edited", async () => {
    // The SDK makes a field of every parameter it is given; the type is the client's to write.
    await openai().files.create({
      file: await toFile(Buffer.from('plain notes'), 'notes.txt', {
        type: `text/plain; x-dir=${fe.home}/acme-secrets`,
      }),
      purpose: 'user_data',
      [`note-of-${fe.user}`]: 'x',
    } as OpenAI.FileCreateParams);
    const body = seenUpstream();
    assert.match(body, /\r\nContent-Type: text\/plain; x-dir=\/home\/user\/acme-secrets\r\n/);
    assert.match(body, /\r\nContent-Disposition: form-data; name="note-of-user-\d+"\r\n\r\nx\r\n/);
  });

  test('a file name that is a whole path (a raw multipart client) inspected', async () => {
    const form = new FormData();
    form.append('purpose', 'user_data');
    const env = new Blob(['API_URL=http://localhost\n'], { type: 'text/plain' });
    form.append('file', env, `${fe.home}/acme-secrets/.env`);
    const res = await fetch(`${stack.via.openai}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: form,
    });
    assert.equal(res.status, 200, await res.text());
    const body = seenUpstream();
    assert.match(body, /; filename="\/home\/user\/acme-secrets\/\.env"\r\n/);
  });

  test('a text upload records nothing uninspected', async () => {
    await openai().files.create({
      file: await toFile(Buffer.from('plain notes'), 'notes.txt', { type: 'text/plain' }),
      purpose: 'user_data',
    });
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request', limit: 1 });
    assert.equal(events[0]?.path, '/v1/files');
    assert.equal(events[0]?.uninspected, undefined);
  });

  test("a policy that blocks refuses the upload in OpenAI's shape, and nothing leaves", async () => {
    await assert.rejects(
      openai(BLOCKING_CLIENT).files.create({
        file: await toFile(Buffer.from(batchFile()), 'batch.jsonl'),
        purpose: 'batch',
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
        assert.equal((err.error as { type?: string }).type, 'permission_error');
        assert.match(
          err.message,
          /secret\.openai-key.*parts\[\d\]\.file\.lines\[0\]\.body\.messages\[1\]\.content/s,
        );
        return true;
      },
    );
    assert.deepEqual(stack.sim.received, [], 'nothing reached the provider');
  });

  test('a body that is not multipart is refused, and nothing leaves', async () => {
    const res = await fetch(`${stack.via.openai}/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ file: plantedText(fe) }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_BAD_MULTIPART');
    assert.deepEqual(stack.sim.received, []);
  });
});

describe('Anthropic file uploads', () => {
  test('beta.files.upload: the file and its name inspected, the name restored', async () => {
    const file = await anthropic().beta.files.upload({
      file: await anthropicFile(Buffer.from(plantedText(fe)), `env-of-${fe.user}.txt`, {
        type: 'text/plain',
      }),
    });
    assert.equal(file.type, 'file');
    assert.equal(file.filename, `env-of-${fe.user}.txt`);
    const body = seenUpstream();
    assert.match(body, /Working directory: \/home\/user\//);
  });
});
