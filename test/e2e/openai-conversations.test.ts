/**
 * The OpenAI Conversations API through a whole Airlock to the simulator, with the official SDK:
 * the items a conversation is created with or given later (Responses API input items) and its
 * metadata are inspected, so planted values never reach the provider, and the items the answer
 * lists back come back restored; a policy that blocks refuses them in OpenAI's shape.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
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
  dir = mkdtempSync(join(tmpdir(), 'airlock-conversations-'));
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

/** The one request the simulator received: its body, checked for planted values. */
function seenUpstream(path: RegExp): string {
  const received = stack.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  assert.match(received[0]!.path, path);
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
  return received[0]!.body.toString();
}

describe('OpenAI Conversations', () => {
  test('conversations.create: items and metadata pseudonymized, the metadata restored', async () => {
    const conversation = await openai().conversations.create({
      items: [
        { type: 'message', role: 'developer', content: `You help ${fe.user} on ${fe.host}.` },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: plantedText(fe) }] },
      ],
      metadata: { project: fe.project },
    });
    assert.match(conversation.id, /^conv_/);
    assert.deepEqual(conversation.metadata, { project: fe.project }, 'restored in the answer');
    const body = seenUpstream(/^\/v1\/conversations$/);
    assert.match(body, /Working directory: \/home\/user\//, 'the provider saw a home-shaped surrogate');
  });

  test('conversations.items.create: the items pseudonymized, the listed items restored', async () => {
    const text = plantedText(fe);
    const list = await openai().conversations.items.create('conv_68a1b2c3', {
      items: [
        { type: 'message', role: 'user', content: text },
        { type: 'function_call_output', call_id: 'call_1', output: `ls ${fe.project}\nREADME.md` },
      ],
    });
    assert.equal(list.data.length, 2);
    const first = list.data[0] as { content: { type: string; text: string }[] };
    const echoed = first.content[0]!.text;
    assert.ok(echoed.startsWith(text.split('OPENAI_API_KEY')[0]!), `restored in the answer: ${echoed}`);
    assert.ok(!echoed.includes(PLANTED_KEY), 'a redacted secret is not put back into text');
    seenUpstream(/^\/v1\/conversations\/conv_68a1b2c3\/items$/);
  });

  test('conversations.update: the metadata pseudonymized', async () => {
    const updated = await openai().conversations.update('conv_68a1b2c3', {
      metadata: { host: fe.host, key: PLANTED_KEY },
    });
    assert.equal((updated.metadata as Record<string, string>)['host'], fe.host);
    seenUpstream(/^\/v1\/conversations\/conv_68a1b2c3$/);
  });

  test("a policy that blocks refuses the items in OpenAI's shape, and nothing leaves", async () => {
    for (const send of [
      (c: OpenAI) =>
        c.conversations.create({ items: [{ type: 'message', role: 'user', content: plantedText(fe) }] }),
      (c: OpenAI) =>
        c.conversations.items.create('conv_1', {
          items: [{ type: 'message', role: 'user', content: plantedText(fe) }],
        }),
    ]) {
      await assert.rejects(send(openai(BLOCKING_CLIENT)), (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
        assert.equal(err.status, 403);
        assert.equal((err.error as { type?: string }).type, 'permission_error');
        assert.match(err.message, /secret\.openai-key.*items\[0\]\.content/s);
        return true;
      });
    }
    assert.deepEqual(stack.sim.received, [], 'nothing reached the provider');
  });
});
