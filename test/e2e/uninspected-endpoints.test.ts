/**
 * A POST to an endpoint Airlock does not inspect (OpenAI moderations, a Gemini action it does not
 * know) is forwarded as it came, as docs/policy.md says: its audit event lists the body as sent
 * uninspected (as a binary upload's file is), so that nobody reads "forward" as "checked".
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { plantedText } from '../helpers/planted.js';

let fe: FakeEnv;
let stack: AirlockStack;
before(async () => {
  fe = makeFakeEnv();
  stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { fe });
});
after(async () => {
  await stack.close();
  fe.cleanup();
});
beforeEach(() => stack.sim.reset());

async function lastEvent(path: string) {
  await stack.airlock.recorder.flush();
  const { events } = await stack.airlock.store.query({ kind: 'request', limit: 20 });
  return events.find((e) => e.path === path);
}

describe('requests to endpoints Airlock does not inspect', () => {
  test('a body that left uninspected is listed so in the audit event', async () => {
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
    // The simulator has no moderations endpoint: what matters is what went and what was recorded.
    await openai.moderations.create({ input: plantedText(fe) }).catch(() => undefined);
    const sent = stack.sim.received.at(-1);
    assert.equal(sent?.path, '/v1/moderations');
    const event = await lastEvent('/v1/moderations');
    assert.deepEqual(event?.uninspected, [
      { bytes: sent?.body.length, field: 'body', type: 'application/json' },
    ]);
    assert.ok(
      event?.findings.every((f) => f.role === 'header'),
      'headers are inspected, the body is not',
    );
  });

  test('a POST without a body, and an inspected one, list nothing', async () => {
    const res = await fetch(`${stack.via.openai}/batches/batch_1/cancel`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
    });
    await res.arrayBuffer();
    assert.equal((await lastEvent('/v1/batches/batch_1/cancel'))?.uninspected, undefined);

    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal((await lastEvent('/v1/chat/completions'))?.uninspected, undefined);
  });
});
