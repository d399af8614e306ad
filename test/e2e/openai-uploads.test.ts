/**
 * OpenAI Uploads API, batch creation and stored-completion updates through a whole Airlock to
 * the simulator, with the official SDK: the upload's file name and each text part, a batch's
 * metadata and a completion's metadata are inspected, so planted values never reach the
 * provider, and are restored in the answers; a policy that blocks refuses in OpenAI's shape and
 * nothing leaves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import {
  BLOCKING_CLIENT,
  BLOCKING_POLICY,
  leaks,
  PLANTED_KEY,
  plantedText,
  plantedValues,
} from '../helpers/planted.js';

let fe: FakeEnv;
let stack: AirlockStack;
let dir: string;
before(async () => {
  fe = makeFakeEnv();
  dir = mkdtempSync(join(tmpdir(), 'airlock-openai-uploads-'));
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

function noLeaks(): void {
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
}

describe('OpenAI Uploads API', () => {
  test('create, two text parts, complete: the file name and each part inspected, the name restored', async () => {
    const text = plantedText(fe);
    const upload = await openai().uploads.create({
      filename: `notes-of-${fe.user}.md`,
      purpose: 'assistants',
      bytes: text.length * 2,
      mime_type: 'text/markdown',
    });
    assert.equal(upload.filename, `notes-of-${fe.user}.md`, 'the echoed file name is restored');
    const parts = [];
    for (const chunk of [text, text])
      parts.push(
        await openai().uploads.parts.create(upload.id, { data: await toFile(Buffer.from(chunk), 'blob') }),
      );
    const done = await openai().uploads.complete(upload.id, { part_ids: parts.map((p) => p.id) });
    // /complete carries no text and is passthrough: the stored file keeps the surrogate.
    assert.match(done.file?.filename ?? '', /^notes-of-user-\d+\.md$/);
    assert.deepEqual(
      stack.sim.received.map((r) => r.path.replace(/upload_\w+/, 'ID')),
      ['/v1/uploads', '/v1/uploads/ID/parts', '/v1/uploads/ID/parts', '/v1/uploads/ID/complete'],
    );
    noLeaks();
    assert.match(stack.sim.received[1]!.body.toString(), /Working directory: \/home\/user\//);
  });

  test("a path as the file name, and a part's file name and field names: inspected", async () => {
    const upload = await openai().uploads.create({
      filename: `${fe.home}/acme-secrets/.env`,
      purpose: 'assistants',
      bytes: 6,
      mime_type: 'text/plain',
    });
    assert.equal(upload.filename, `${fe.home}/acme-secrets/.env`, 'the echoed file name is restored');
    await openai().uploads.parts.create(upload.id, {
      data: await toFile(Buffer.from('A=1\nB\n'), `${fe.user}.env`),
      [`part-of-${fe.user}`]: '1',
    } as OpenAI.Uploads.PartCreateParams);
    noLeaks();
    const [create, part] = stack.sim.received.map((r) => r.body.toString());
    assert.match(create ?? '', /"filename":"\/home\/user\/acme-secrets\/\.env"/);
    assert.match(part ?? '', /; filename="user-\d+\.env"\r\n/);
    assert.match(part ?? '', /; name="part-of-user-\d+"\r\n/);
  });

  test("a policy that blocks refuses a part in OpenAI's shape, and nothing of it leaves", async () => {
    const upload = await openai().uploads.create({
      filename: 'env.txt',
      purpose: 'assistants',
      bytes: 100,
      mime_type: 'text/plain',
    });
    stack.sim.reset();
    await assert.rejects(
      openai(BLOCKING_CLIENT).uploads.parts.create(upload.id, {
        data: await toFile(Buffer.from(`OPENAI_API_KEY=${PLANTED_KEY}\n`), 'blob'),
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
        assert.match(err.message, /secret\.openai-key/);
        return true;
      },
    );
    assert.deepEqual(stack.sim.received, [], 'nothing reached the provider');
  });
});

describe('metadata of batches and stored completions', () => {
  test('batches.create: metadata inspected and restored', async () => {
    const batch = await openai().batches.create({
      input_file_id: 'file-abc',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { owner: fe.user, cwd: fe.project },
    });
    assert.deepEqual(batch.metadata, { owner: fe.user, cwd: fe.project });
    noLeaks();
    assert.match(stack.sim.received[0]!.body.toString(), /"cwd":"\/home\/user\//);
  });

  test('chat.completions.update: metadata inspected and restored', async () => {
    const done = await openai().chat.completions.update('chatcmpl-abc123', { metadata: { host: fe.host } });
    assert.deepEqual((done as { metadata?: unknown }).metadata, { host: fe.host });
    assert.equal(stack.sim.received[0]!.path, '/v1/chat/completions/chatcmpl-abc123');
    noLeaks();
  });

  test("a policy that blocks refuses a batch whose metadata holds a key, in OpenAI's shape", async () => {
    await assert.rejects(
      openai(BLOCKING_CLIENT).batches.create({
        input_file_id: 'file-abc',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { note: `key ${PLANTED_KEY}` },
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
        assert.match(err.message, /secret\.openai-key.*metadata\.note/s);
        return true;
      },
    );
    assert.deepEqual(stack.sim.received, [], 'nothing reached the provider');
  });
});
