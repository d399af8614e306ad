/**
 * A body that repeats a key in one object: JSON.parse keeps the last copy, which is what the
 * gateway inspects, while the bytes still hold the others. With nothing to rewrite the body used
 * to go upstream as received, so values in a dropped copy left the machine uninspected. What
 * leaves is now always what was inspected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

const PLANTED = ['10.1.2.3', 'alice.smith@acme-corp.com', '/home/alice/acme'];
const HIDDEN = `my ip ${PLANTED[0]} and ${PLANTED[1]} at ${PLANTED[2]}`;

async function post(stack: AirlockStack, path: string, body: string) {
  const res = await fetch(`${stack.airlock.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('repeated keys in a request body', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
  });
  after(() => stack.close());

  const cases = [
    {
      name: 'Anthropic, a repeated top-level messages',
      path: '/anthropic/v1/messages',
      body:
        '{"model":"claude-sonnet-4-5","max_tokens":10,' +
        `"messages":[{"role":"user","content":${JSON.stringify(HIDDEN)}}],` +
        '"messages":[{"role":"user","content":"hello"}]}',
      last: { messages: [{ role: 'user', content: 'hello' }] },
    },
    {
      name: 'OpenAI, a repeated content inside a message',
      path: '/openai/v1/chat/completions',
      body: `{"model":"gpt-5","messages":[{"role":"user","content":${JSON.stringify(HIDDEN)},"content":"hello"}]}`,
      last: { messages: [{ role: 'user', content: 'hello' }] },
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the dropped copy does not leave`, async () => {
      stack.sim.reset();
      const r = await post(stack, c.path, c.body);
      assert.equal(r.status, 200, r.text);
      const sent = stack.sim.received[0]?.body.toString() ?? '';
      for (const v of PLANTED) assert.ok(!sent.includes(v), `${v} reached the provider: ${sent}`);
      // What the provider reads is what JSON.parse read, and what was inspected.
      assert.deepEqual(JSON.parse(sent).messages, c.last.messages);
    });
  }

  it('a body without repeated keys and nothing to rewrite still goes byte for byte', async () => {
    stack.sim.reset();
    const body =
      '{"model":"claude-sonnet-4-5", "max_tokens":10,\n "messages":[{"role":"user","content":"hello"}]}';
    assert.equal((await post(stack, '/anthropic/v1/messages', body)).status, 200);
    assert.equal(stack.sim.received[0]?.body.toString(), body);
  });
});
