/**
 * Answers compressed although the gateway asked for identity (an upstream, or a proxy on the
 * way, that always compresses; the simulator's `compress`): through the full pipeline each
 * dialect's stream is decoded as it comes and restored, with the official SDKs as clients.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import {
  echoProject,
  geminiArrayText,
  type GeminiChunk,
  PROJECT,
  PROMPT,
} from '../helpers/echoed-project.js';

let stack: AirlockStack;
before(async () => {
  stack = await startAirlockStack({
    script: echoProject({ pacingMs: 5, compress: 'gzip' }),
  });
});
after(() => stack.close());

/** The last request the provider got did not carry the real path. */
function assertProviderSawSurrogate(): void {
  assert.ok(!stack.sim.received.at(-1)!.body.toString().includes(PROJECT), 'the provider saw the path');
}

test('the simulator compresses as asked, whatever the client accepts', async () => {
  const res = await request(`${stack.sim.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
      'accept-encoding': 'identity',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: PROMPT }],
    }),
  });
  assert.equal(res.headers['content-encoding'], 'gzip');
  await res.body.dump();
});

test('Anthropic SDK, streaming: the text comes back with the real path', async () => {
  const client = new Anthropic({ apiKey: 'k', baseURL: stack.via.anthropic, maxRetries: 0 });
  const stream = client.messages.stream({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: PROMPT }],
  });
  let text = '';
  let deltas = 0;
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      text += event.delta.text;
      deltas++;
    }
  }
  assert.equal(text, `Your project: ${PROJECT} ok.`);
  assert.ok(deltas > 5, `${deltas} deltas: the stream came event by event`);
  assertProviderSawSurrogate();
});

test('OpenAI SDK, JSON answer: restored whole', async () => {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
  const answer = await client.chat.completions.create({
    model: 'gpt-5',
    messages: [{ role: 'user', content: PROMPT }],
  });
  assert.equal(answer.choices[0]?.message.content, `Your project: ${PROJECT} ok.`);
  assertProviderSawSurrogate();
});

test("Gemini's JSON-array stream: restored element by element", async () => {
  const res = await request(`${stack.via.gemini}/v1beta/models/gemini-2.5-pro:streamGenerateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: PROMPT }] }] }),
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-encoding'], undefined);
  const text = geminiArrayText((await res.body.json()) as GeminiChunk[]);
  assert.equal(text, `Your project: ${PROJECT} ok.`);
  assertProviderSawSurrogate();
});
