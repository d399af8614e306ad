/**
 * Other spellings of an inspected endpoint (empty and dot segments, percent-encoding, case, `;`
 * parameters, backslashes, fragments) are refused before anything leaves: an upstream that
 * normalises paths would otherwise answer them as the endpoint, with the raw values in them.
 * The exact spellings, the SDKs and every other path keep working as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import type { Provider } from '../../src/errors.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { httpAnswer, type HttpAnswer } from '../helpers/http.js';
import { asV1beta } from '../helpers/gemini-version.js';

const HOME = '/home/alice/acme';
const TOKEN = 'ghp_1234567890abcdefghijklmnopqrstuvwxyz12';
const PLANTED = [HOME, TOKEN, 'alice'];
const TEXT = `${HOME} ${TOKEN}`;

const BODIES: Record<string, unknown> = {
  anthropic: { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: TEXT }] },
  openaiChat: { model: 'm', messages: [{ role: 'user', content: TEXT }] },
  openaiResponses: { model: 'm', input: TEXT },
  gemini: { contents: [{ role: 'user', parts: [{ text: TEXT }] }] },
};

/** [path as sent, body, the exact spelling the refusal must name] */
const ALIASES: [string, keyof typeof BODIES, string][] = [
  ['/anthropic//v1/messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/./messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/x/../messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/../v1/messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/%6dessages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/%6Dessages?beta=true', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/V1/messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/messages//', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1%2Fmessages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/messages;x=1', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/x/..;/messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1\\messages', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/messages#x', 'anthropic', '/anthropic/v1/messages'],
  ['/anthropic/v1/messages/COUNT_TOKENS', 'anthropic', '/anthropic/v1/messages/count_tokens'],
  ['/openai/v1//chat/completions', 'openaiChat', '/openai/v1/chat/completions'],
  ['/openai//chat/completions', 'openaiChat', '/openai/chat/completions'],
  ['/openai/v1/Chat/Completions', 'openaiChat', '/openai/v1/chat/completions'],
  ['/openai/v1/./responses', 'openaiResponses', '/openai/v1/responses'],
  ['/gemini/v1beta//models/x:generateContent', 'gemini', '/gemini/v1beta/models/x:generateContent'],
  ['/gemini/v1beta/models/x:generatecontent', 'gemini', '/gemini/v1beta/models/x:generateContent'],
  [
    '/gemini/v1beta/models/x:streamGenerateContent/./?alt=sse',
    'gemini',
    '/gemini/v1beta/models/x:streamGenerateContent',
  ],
  ['/gemini/v1beta/models%2Fx%3AcountTokens', 'gemini', '/gemini/v1beta/models/x:countTokens'],
];

const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'k',
  authorization: 'Bearer k',
  'x-goog-api-key': 'k',
};

let stack: AirlockStack;
before(async () => {
  stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
});
after(() => stack.close());

/** POSTs with the path exactly as given: fetch() would resolve dot segments first. */
function postRaw(path: string, body: unknown) {
  const { host, port } = stack.airlock.gateway;
  return httpAnswer({ host, port, path, method: 'POST', headers: HEADERS }, {}, (req) =>
    req.end(JSON.stringify(body)),
  );
}

function leaked(): string[] {
  const everything = stack.sim.received
    .map((r) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.body.toString()}`)
    .join('\n');
  return PLANTED.filter((v) => everything.includes(v));
}

function messageOf(provider: Provider, body: string): string {
  const parsed = JSON.parse(body) as { type?: string; error: { message: string; type?: string } };
  if (provider === 'anthropic') {
    assert.equal(parsed.type, 'error');
    assert.equal(parsed.error.type, 'invalid_request_error');
  }
  if (provider === 'openai') assert.equal(parsed.error.type, 'invalid_request_error');
  if (provider === 'gemini')
    assert.equal((parsed.error as unknown as { status: string }).status, 'INVALID_ARGUMENT');
  return parsed.error.message;
}

describe('another spelling of an inspected endpoint', () => {
  test('is refused with 400 in the provider shape, naming the exact path; nothing reaches the upstream', async () => {
    stack.sim.reset();
    const answers: HttpAnswer[] = [];
    for (const [path, bodyKind] of ALIASES) answers.push(await postRaw(path, BODIES[bodyKind]));
    assert.deepEqual(leaked(), [], 'raw values reached the upstream');
    for (const [i, [path, , exact]] of ALIASES.entries()) {
      const provider = path.split('/')[1] as Provider;
      const answer = answers[i]!;
      assert.equal(answer.status, 400, `${path}: ${answer.body}`);
      assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_NONCANONICAL_PATH', path);
      const message = messageOf(provider, answer.body);
      assert.ok(message.includes(`use ${exact}.`), `${path}: ${message}`);
    }
    assert.deepEqual(
      stack.sim.received.map((r) => r.path),
      [],
      'no alias spelling was forwarded',
    );
  });

  test('each refusal is in the audit log as an error with its code, and without the raw values', async () => {
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request' });
    const refused = events.filter((e) => e.error === 'AIRLOCK_NONCANONICAL_PATH');
    assert.equal(refused.length, ALIASES.length);
    for (const e of refused) {
      assert.equal(e.decision, 'error');
      assert.equal(e.status, 400);
    }
    const stored = JSON.stringify(refused);
    for (const value of PLANTED.slice(0, 2)) assert.ok(!stored.includes(value), 'raw value in the audit log');
  });

  test('the exact spellings are inspected and forwarded with surrogates, query strings kept', async () => {
    for (const [path, bodyKind] of [
      ['/anthropic/v1/messages', 'anthropic'],
      ['/anthropic/v1/messages?beta=true', 'anthropic'],
      ['/openai/v1/chat/completions', 'openaiChat'],
      ['/openai/v1/responses', 'openaiResponses'],
      ['/gemini/v1beta/models/gemini-2.5-pro:generateContent', 'gemini'],
      ['/gemini/v1beta/models/gemini-2.5-pro%3AgenerateContent', 'gemini'],
      ['/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', 'gemini'],
    ] as const) {
      stack.sim.reset();
      const answer = await postRaw(path, BODIES[bodyKind]);
      assert.equal(answer.headers['x-airlock-error'], undefined, `${path}: ${answer.body}`);
      // The simulator routes the colon only unencoded; what matters here is what it received.
      if (!path.includes('%3A')) assert.equal(answer.status, 200, `${path}: ${answer.body}`);
      const received = stack.sim.received.at(-1)!;
      // Forwarded exactly as sent, less the prefix.
      assert.equal(received.path, path.slice(path.indexOf('/', 1)));
      assert.deepEqual(leaked(), [], path);
    }
  });

  test('every other path is forwarded as before, spelled as it came', async () => {
    stack.sim.reset();
    const sent: [string, string][] = [
      ['GET', '/anthropic/v1/models'],
      ['GET', '/anthropic//v1/models'],
      ['GET', '/anthropic/v1/messages'],
      ['POST', '/anthropic/v1/messages/batches'],
      ['POST', '/openai/v1/batches/batch_1/cancel'],
      ['DELETE', '/openai/v1/files/file-1'],
      ['GET', '/gemini/v1beta/models?pageSize=5'],
      ['POST', '/gemini/v1beta/models/text-embedding-004:embedContent'],
    ];
    const { host, port } = stack.airlock.gateway;
    for (const [method, path] of sent) {
      const answer = await httpAnswer({ host, port, path, method, headers: HEADERS }, {}, (req) =>
        req.end(method === 'POST' ? '{}' : undefined),
      );
      assert.notEqual(answer.headers['x-airlock-error'], 'AIRLOCK_NONCANONICAL_PATH', path);
    }
    assert.deepEqual(
      stack.sim.received.map((r) => `${r.method} ${r.path}`),
      sent.map(([method, path]) => `${method} ${path.slice(path.indexOf('/', 1))}`),
    );
  });
});

describe('the official SDKs through Airlock, with values to pseudonymize', () => {
  test('@anthropic-ai/sdk: create and stream', async () => {
    stack.sim.reset();
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      messages: [{ role: 'user' as const, content: TEXT }],
    };
    const message = await client.messages.create(params);
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'ok');
    await client.messages.stream(params).finalMessage();
    await client.messages.countTokens(params);
    assert.equal(stack.sim.received.length, 3);
    assert.deepEqual(leaked(), []);
  });

  test('openai: chat completions and responses', async () => {
    stack.sim.reset();
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
    const chat = await client.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: TEXT }],
    });
    assert.equal(chat.choices[0]?.message.content, 'ok');
    const response = await client.responses.create({ model: 'gpt-5', input: TEXT });
    assert.equal(response.output_text, 'ok');
    assert.equal(stack.sim.received.length, 2);
    assert.deepEqual(leaked(), []);
  });

  test('@google/genai: generateContent, its stream and countTokens', async () => {
    stack.sim.reset();
    const client = new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });
    const answer = await client.models.generateContent({ model: 'gemini-2.5-pro', contents: TEXT });
    assert.equal(answer.text, 'ok');
    let streamed = '';
    for await (const chunk of await client.models.generateContentStream({
      model: 'gemini-2.5-pro',
      contents: TEXT,
    }))
      streamed += chunk.text ?? '';
    assert.equal(streamed, 'ok');
    await client.models.countTokens({ model: 'gemini-2.5-pro', contents: TEXT });
    assert.deepEqual(
      stack.sim.received.map((r) => asV1beta(r.path)),
      [
        '/v1beta/models/gemini-2.5-pro:generateContent',
        '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
        '/v1beta/models/gemini-2.5-pro:countTokens',
      ],
    );
    assert.deepEqual(leaked(), []);
  });
});

describe('a request target in absolute form (RFC 9112 §3.2.2)', () => {
  test('is routed and inspected by its path; its other spellings are refused as in origin form', async () => {
    stack.sim.reset();
    const { host, port } = stack.airlock.gateway;
    const exact = await postRaw(`http://${host}:${port}/anthropic/v1/messages`, BODIES.anthropic);
    assert.equal(exact.status, 200, exact.body);
    assert.equal(stack.sim.received.length, 1);
    assert.equal(stack.sim.received[0]!.path, '/v1/messages');
    const alias = await postRaw(`http://${host}:${port}/anthropic//v1/messages`, BODIES.anthropic);
    assert.equal(alias.status, 400, alias.body);
    assert.equal(alias.headers['x-airlock-error'], 'AIRLOCK_NONCANONICAL_PATH');
    assert.equal(stack.sim.received.length, 1, 'the alias was not forwarded');
    assert.deepEqual(leaked(), [], 'raw values reached the upstream');
  });
});
