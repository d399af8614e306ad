/**
 * The text-bearing endpoints beyond chat (OpenAI embeddings and legacy completions, Anthropic
 * Message Batches, Gemini embeddings and context caches) through a whole Airlock to the
 * simulator, with the official SDKs: a planted home path and secret never reach the provider,
 * and what an answer echoes back comes back restored. Other spellings of these endpoints are
 * refused like those of the chat endpoints.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { httpAnswer } from '../helpers/http.js';
import { asV1beta } from '../helpers/gemini-version.js';

const HOME = '/home/alice/acme-api';
const SECRET = 'ghp_1234567890abcdefghijklmnopqrstuvwxyz12';
const PLANTED = [HOME, SECRET, 'alice'];
const PROMPT = `Working directory: ${HOME}\nGITHUB_TOKEN=${SECRET}\nOpen the README please.`;

let stack: AirlockStack;
before(async () => {
  stack = await startAirlockStack({
    script: {
      reply: [
        { text: 'Reading ' },
        { text: { fromRequest: 'Working directory: (\\S+)', fallback: 'nothing' } },
        { text: ' now.' },
      ],
    },
  });
});
after(() => stack.close());
beforeEach(() => stack.sim.reset());

/** The one request the simulator received, checked for planted values; its body as text. */
function seenUpstream(path: RegExp): string {
  const received = stack.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  const rec = received[0]!;
  assert.match(asV1beta(rec.path), path);
  const everything = `${rec.path}\n${JSON.stringify(rec.headers)}\n${rec.body.toString()}`;
  assert.deepEqual(
    PLANTED.filter((v) => everything.includes(v)).map((v) => `${v.slice(0, 8)}…`),
    [],
    'planted values reached the provider',
  );
  const body = rec.body.toString();
  assert.match(body, /Working directory: \/home\/\w+/, 'the provider saw a home-shaped surrogate');
  return body;
}

const openai = () => new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
const genai = () => new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });

describe('OpenAI embeddings', () => {
  test('embeddings.create (base64, the SDK default): every input pseudonymized', async () => {
    const result = await openai().embeddings.create({
      model: 'text-embedding-3-small',
      input: [PROMPT, `notes on ${HOME}`],
    });
    assert.equal(result.data.length, 2);
    assert.equal(result.data[0]?.embedding.length, 1536);
    assert.ok(result.data[0]?.embedding.every((x) => Number.isFinite(x)));
    const body = seenUpstream(/^\/v1\/embeddings$/);
    assert.match(body, /"encoding_format":"base64"/);
  });

  test('embeddings.create with one input as floats', async () => {
    const result = await openai().embeddings.create({
      model: 'text-embedding-3-small',
      input: PROMPT,
      encoding_format: 'float',
      dimensions: 8,
    });
    assert.equal(result.data[0]?.embedding.length, 8);
    seenUpstream(/^\/v1\/embeddings$/);
  });
});

describe('OpenAI legacy completions', () => {
  const params = {
    model: 'gpt-3.5-turbo-instruct',
    prompt: PROMPT,
    suffix: `\n# end of ${HOME}/README.md`,
    max_tokens: 32,
  };

  test('completions.create: the answer comes back restored', async () => {
    const completion = await openai().completions.create(params);
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.choices[0]?.text, `Reading ${HOME} now.`);
    const body = seenUpstream(/^\/v1\/completions$/);
    assert.match(body, /"suffix":"\\n# end of \/home\/\w+/);
  });

  test('completions.create streamed: the chunks come back restored', async () => {
    let text = '';
    let chunks = 0;
    for await (const chunk of await openai().completions.create({ ...params, stream: true })) {
      text += chunk.choices[0]?.text ?? '';
      chunks++;
    }
    assert.equal(text, `Reading ${HOME} now.`);
    assert.ok(chunks > 2, 'several chunks');
    seenUpstream(/^\/v1\/completions$/);
  });
});

describe('Anthropic Message Batches', () => {
  test('messages.batches.create: every request of the batch pseudonymized', async () => {
    const batch = await anthropic().messages.batches.create({
      requests: [
        {
          custom_id: 'readme-1',
          params: {
            model: 'claude-sonnet-4-5',
            max_tokens: 256,
            system: `You help in ${HOME}.`,
            messages: [{ role: 'user', content: PROMPT }],
          },
        },
        {
          custom_id: 'readme-2',
          params: {
            model: 'claude-sonnet-4-5',
            max_tokens: 256,
            messages: [{ role: 'user', content: [{ type: 'text', text: `Token: ${SECRET}` }] }],
          },
        },
      ],
    });
    assert.equal(batch.type, 'message_batch');
    assert.equal(batch.processing_status, 'in_progress');
    assert.equal(batch.request_counts.processing, 2);
    const body = seenUpstream(/^\/v1\/messages\/batches(\?|$)/);
    assert.match(body, /"custom_id":"readme-1"/, 'custom ids are left as they are');
  });
});

describe('Gemini embeddings and context caches', () => {
  test('models.embedContent (sent as :batchEmbedContents): every content pseudonymized', async () => {
    const result = await genai().models.embedContent({
      model: 'text-embedding-004',
      contents: [PROMPT, `notes on ${HOME}`],
      config: { outputDimensionality: 16 },
    });
    assert.equal(result.embeddings?.length, 2);
    assert.equal(result.embeddings?.[0]?.values?.length, 16);
    seenUpstream(/^\/v1beta\/models\/text-embedding-004:batchEmbedContents$/);
  });

  test(':embedContent: the content and title pseudonymized', async () => {
    const { host, port } = stack.airlock.gateway;
    const answer = await httpAnswer(
      {
        host,
        port,
        path: '/gemini/v1beta/models/text-embedding-004:embedContent',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'gm-test' },
      },
      {},
      (req) =>
        req.end(
          JSON.stringify({
            content: { parts: [{ text: PROMPT }] },
            taskType: 'RETRIEVAL_DOCUMENT',
            title: `README of ${HOME}`,
          }),
        ),
    );
    assert.equal(answer.status, 200, answer.body);
    const parsed = JSON.parse(answer.body) as { embedding: { values: number[] } };
    assert.equal(parsed.embedding.values.length, 768);
    seenUpstream(/^\/v1beta\/models\/text-embedding-004:embedContent$/);
  });

  test('caches.create: contents and system instruction pseudonymized, the display name restored', async () => {
    const cache = await genai().caches.create({
      model: 'gemini-2.5-flash',
      config: {
        contents: PROMPT,
        systemInstruction: `You help in ${HOME}.`,
        displayName: `cache of ${HOME}`,
        ttl: '600s',
      },
    });
    assert.match(cache.name ?? '', /^cachedContents\/\w+$/);
    assert.equal(cache.model, 'models/gemini-2.5-flash');
    assert.equal(cache.displayName, `cache of ${HOME}`);
    assert.ok((cache.usageMetadata?.totalTokenCount ?? 0) > 0);
    const body = seenUpstream(/^\/v1beta\/cachedContents$/);
    assert.match(body, /"displayName":"cache of \/home\/\w+/);
  });
});

describe('other spellings of these endpoints', () => {
  const aliases: [string, string][] = [
    ['/openai/v1/Embeddings', '/openai/v1/embeddings'],
    ['/openai/v1//completions', '/openai/v1/completions'],
    ['/anthropic/v1/messages/./batches', '/anthropic/v1/messages/batches'],
    [
      '/gemini/v1beta/models/text-embedding-004:EmbedContent',
      '/gemini/v1beta/models/text-embedding-004:embedContent',
    ],
    ['/gemini/v1beta/cachedcontents', '/gemini/v1beta/cachedContents'],
  ];
  test('are refused naming the exact spelling; nothing reaches the provider', async () => {
    const { host, port } = stack.airlock.gateway;
    for (const [path, exact] of aliases) {
      const answer = await httpAnswer(
        {
          host,
          port,
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
            authorization: 'Bearer k',
            'x-goog-api-key': 'k',
          },
        },
        {},
        (req) => req.end(JSON.stringify({ model: 'm', input: PROMPT, prompt: PROMPT })),
      );
      assert.equal(answer.status, 400, `${path}: ${answer.body}`);
      assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_NONCANONICAL_PATH', path);
      assert.ok(answer.body.includes(`use ${exact}`), `${path}: ${answer.body}`);
    }
    assert.deepEqual(stack.sim.received, []);
  });
});
