/**
 * The official SDKs through the gateway to the simulator give the same results as straight to
 * the simulator, streaming and not, for the four dialects. Ids are random per answer, so they
 * are left out of the comparison; everything else must be equal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
const SCRIPT = {
  reply: [
    { text: 'Reading the file you named. ' },
    { toolCall: { name: 'Read', args: { file_path: { fromRequest: 'Working directory: (\\S+)' } } } },
  ],
};
const PROMPT = 'Working directory: /home/alice/acme-api\nOpen the README please.';

before(async () => {
  stack = await startStack({ script: SCRIPT });
});
after(() => stack.close());

function withoutIds(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) =>
      [
        'id',
        'item_id',
        'created',
        'created_at',
        'createdAt',
        'responseId',
        'call_id',
        'sequence_number',
      ].includes(key)
        ? undefined
        : v,
    ),
  );
}

async function both<T>(run: (base: 'direct' | 'gateway') => Promise<T>): Promise<[T, T]> {
  const direct = await run('direct');
  const gateway = await run('gateway');
  return [direct, gateway];
}

describe('@anthropic-ai/sdk', () => {
  const client = (base: 'direct' | 'gateway') =>
    new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: base === 'direct' ? stack.sim.urls.anthropic : stack.via.anthropic,
      maxRetries: 0,
    });
  const params = {
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: PROMPT }],
  };

  test('messages.create', async () => {
    const [a, b] = await both((base) => client(base).messages.create(params));
    assert.deepEqual(withoutIds(b), withoutIds(a));
    const tool = b.content.find((c) => c.type === 'tool_use');
    assert.deepEqual(tool?.type === 'tool_use' && tool.input, { file_path: '/home/alice/acme-api' });
  });

  test('messages.stream', async () => {
    const [a, b] = await both((base) => client(base).messages.stream(params).finalMessage());
    assert.deepEqual(withoutIds(b), withoutIds(a));
    assert.equal(b.stop_reason, 'tool_use');
  });

  test('count_tokens and models list pass through', async () => {
    const [a, b] = await both((base) => client(base).messages.countTokens(params));
    assert.deepEqual(b, a);
    const models = await client('gateway').models.list();
    assert.ok(models.data.length > 0);
  });

  test('the API key reaches the upstream untouched', async () => {
    stack.sim.reset();
    await client('gateway').messages.create(params);
    // SDK 1.x sends `authorization: Bearer`; older ones `x-api-key`: whichever it is arrives as sent.
    const h = stack.sim.received.at(-1)!.headers;
    assert.equal(h.authorization ?? h['x-api-key'], h.authorization ? 'Bearer sk-ant-test' : 'sk-ant-test');
  });
});

describe('openai SDK', () => {
  const client = (base: 'direct' | 'gateway') =>
    new OpenAI({
      apiKey: 'sk-test',
      baseURL: base === 'direct' ? stack.sim.urls.openai : stack.via.openai,
      maxRetries: 0,
    });

  test('chat.completions.create', async () => {
    const params = { model: 'gpt-5', messages: [{ role: 'user' as const, content: PROMPT }] };
    const [a, b] = await both((base) => client(base).chat.completions.create(params));
    assert.deepEqual(withoutIds(b), withoutIds(a));
    const call = b.choices[0]?.message.tool_calls?.[0];
    assert.equal(
      call?.type === 'function' && JSON.parse(call.function.arguments).file_path,
      '/home/alice/acme-api',
    );
  });

  test('chat.completions stream', async () => {
    const params = {
      model: 'gpt-5',
      messages: [{ role: 'user' as const, content: PROMPT }],
      stream: true as const,
    };
    const [a, b] = await both(async (base) => {
      const chunks = [];
      for await (const chunk of await client(base).chat.completions.create(params)) chunks.push(chunk);
      return chunks;
    });
    assert.deepEqual(withoutIds(b), withoutIds(a));
    assert.ok(b.length > 3, 'many chunks');
  });

  test('responses.create and stream', async () => {
    const params = { model: 'gpt-5', input: PROMPT };
    const [a, b] = await both((base) => client(base).responses.create(params));
    assert.deepEqual(withoutIds(b), withoutIds(a));
    const [sa, sb] = await both(async (base) => {
      const events = [];
      for await (const ev of await client(base).responses.create({ ...params, stream: true }))
        events.push(ev);
      return events;
    });
    assert.deepEqual(withoutIds(sb), withoutIds(sa));
    assert.ok(sb.some((e) => e.type === 'response.function_call_arguments.delta'));
  });
});

describe('@google/genai', () => {
  const client = (base: 'direct' | 'gateway') =>
    new GoogleGenAI({
      apiKey: 'gm-test',
      httpOptions: { baseUrl: base === 'direct' ? stack.sim.urls.gemini : stack.via.gemini },
    });

  test('generateContent', async () => {
    const [a, b] = await both((base) =>
      client(base).models.generateContent({ model: 'gemini-2.5-pro', contents: PROMPT }),
    );
    assert.deepEqual(withoutIds(b.candidates), withoutIds(a.candidates));
    assert.equal(b.functionCalls?.[0]?.args?.file_path, '/home/alice/acme-api');
  });

  test('generateContentStream', async () => {
    const [a, b] = await both(async (base) => {
      const out = [];
      for await (const chunk of await client(base).models.generateContentStream({
        model: 'gemini-2.5-pro',
        contents: PROMPT,
      })) {
        out.push(chunk.candidates);
      }
      return out;
    });
    assert.deepEqual(withoutIds(b), withoutIds(a));
    assert.ok(b.length > 1);
  });

  test('the API key header reaches the upstream untouched', async () => {
    stack.sim.reset();
    await client('gateway').models.generateContent({ model: 'gemini-2.5-pro', contents: PROMPT });
    assert.equal(stack.sim.received.at(-1)?.headers['x-goog-api-key'], 'gm-test');
  });
});
