/**
 * Answers read back later by GET, through a whole Airlock to the simulator with the official
 * SDKs: a background response (`responses.retrieve`, JSON and streamed again, and its
 * `inputItems`), a stored chat completion (`chat.completions.retrieve`, its messages, the list), a Message Batch's results (`messages.batches.results`, whose `results_url` now
 * leads through the gateway), a Gemini batch's inlined responses (`batches.get`) and an
 * interaction (`interactions.get`, JSON and streamed). Each plants a project path, a user and a
 * host name in the request: the provider keeps only their surrogates, and the client reading the
 * answer back gets the originals, looked up in the vault, when it reads with the key that sent
 * them (another key gets the surrogates). A secret's stand-in is never put back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI, { toFile } from 'openai';
import type { Script } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { leaks, PLANTED_KEY, plantedText, plantedValues } from '../helpers/planted.js';

/**
 * The model names the directory and the host it was told of, and reads the README there; four
 * characters a delta, so that every surrogate is split across events.
 */
const SCRIPT: Script = {
  chunkSize: 4,
  argsChunkSize: 4,
  reply: [
    { text: 'Working in ' },
    { text: { fromRequest: 'Working directory: (\\S+)', fallback: 'nothing' } },
    { text: ' on ' },
    { text: { fromRequest: 'Logged in on (\\S+)', fallback: 'nowhere' } },
    { text: '.' },
    {
      toolCall: {
        name: 'read_file',
        args: { path: { fromRequest: 'Working directory: (\\S+)', template: '$1/README.md' } },
      },
    },
  ],
};

let fe: FakeEnv;
let stack: AirlockStack;
before(async () => {
  fe = makeFakeEnv();
  stack = await startAirlockStack({ script: SCRIPT }, { fe });
});
after(async () => {
  await stack.close();
  fe.cleanup();
});
beforeEach(() => stack.sim.reset());

const openai = () => new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
const genai = () => new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });

const TOOLS = [
  {
    type: 'function' as const,
    name: 'read_file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    strict: false,
  },
];

/** What the provider was given and keeps: no planted value, the project's surrogate instead. */
function upstreamKeptSurrogates(): void {
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
  assert.ok(
    stack.sim.received.some((r) => /Working directory: \/home\/user\/project-\d+/.test(r.body.toString())),
    'the provider saw the project surrogate',
  );
}

/** The simulator's own answer to a GET, past the gateway: what the provider holds. */
async function heldUpstream(path: string): Promise<string> {
  const res = await fetch(`${stack.sim.url}${path}`, { headers: { 'anthropic-version': '2023-06-01' } });
  assert.equal(res.status, 200);
  return res.text();
}

/** The text a client reads back: the real project path and host, no surrogate of them. */
function restored(text: string, what: string): void {
  assert.ok(text.includes(fe.project), `${what}: the project path is not restored: ${text.slice(0, 300)}`);
  assert.ok(text.includes(fe.host), `${what}: the host is not restored: ${text.slice(0, 300)}`);
  assert.doesNotMatch(text, /\/home\/user\/project-\d+|host-\d+\.example\.internal/, what);
}

describe('answers read back later', () => {
  test('responses.retrieve of a background response: its text and tool call restored', async () => {
    const client = openai();
    const created = await client.responses.create({
      model: 'gpt-4.1',
      input: plantedText(fe),
      tools: TOOLS,
      background: true,
    });
    assert.equal(created.status, 'queued');
    upstreamKeptSurrogates();
    const held = await heldUpstream(`/v1/responses/${created.id}`);
    assert.match(held, /Working in \/home\/user\/project-\d+ on host-\d+\.example\.internal/);

    const done = await client.responses.retrieve(created.id);
    assert.equal(done.status, 'completed');
    restored(done.output_text, 'output_text');
    const call = done.output.find((item) => item.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.deepEqual(JSON.parse(call.arguments), { path: `${fe.project}/README.md` });
  });

  test('read back with another API key: the surrogates stay: the originals are for the key that sent them', async () => {
    const created = await openai().responses.create({
      model: 'gpt-4.1',
      input: plantedText(fe),
      tools: TOOLS,
      background: true,
    });
    // Someone else on the same gateway and vault, who got hold of the response's id (or had
    // the model write those surrogates): the vault knows the originals, but not for this key.
    const other = new OpenAI({ apiKey: 'sk-someone-else', baseURL: stack.via.openai, maxRetries: 0 });
    const theirs = await other.responses.retrieve(created.id);
    assert.match(theirs.output_text, /Working in \/home\/user\/project-\d+ on host-\d+\.example\.internal/);
    assert.ok(!theirs.output_text.includes(fe.project), 'another key read the project path back');
    assert.ok(!theirs.output_text.includes(fe.host), 'another key read the host back');
    restored((await openai().responses.retrieve(created.id)).output_text, 'the sender reading it back');
  });

  test('responses.retrieve with stream: true: the events again, restored', async () => {
    const client = openai();
    const created = await client.responses.create({ model: 'gpt-4.1', input: plantedText(fe), tools: TOOLS });
    restored(created.output_text, 'the POST answer');
    const stream = await client.responses.retrieve(created.id, { stream: true });
    let text = '';
    let args = '';
    let completed = '';
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.function_call_arguments.delta') args += event.delta;
      if (event.type === 'response.completed') completed = JSON.stringify(event.response.output);
    }
    restored(text, 'streamed deltas');
    restored(completed, 'response.completed');
    assert.deepEqual(JSON.parse(args), { path: `${fe.project}/README.md` });
  });

  test('responses.inputItems.list: what the response was given, restored; the key stays a stand-in', async () => {
    const client = openai();
    const created = await client.responses.create({ model: 'gpt-4.1', input: plantedText(fe) });
    const items = await client.responses.inputItems.list(created.id);
    const text = JSON.stringify(items.data);
    assert.ok(text.includes(fe.project), text);
    assert.ok(text.includes(`as ${fe.user}`), text);
    assert.ok(!text.includes(PLANTED_KEY), 'a secret is never written back into text');
  });

  test('chat.completions.retrieve and messages.list of a stored completion: restored', async () => {
    const client = openai();
    const created = await client.chat.completions.create({
      model: 'gpt-4.1',
      store: true,
      messages: [{ role: 'user', content: plantedText(fe) }],
    });
    upstreamKeptSurrogates();
    assert.match(await heldUpstream(`/v1/chat/completions/${created.id}`), /project-\d+ on host-\d+/);

    const read = await client.chat.completions.retrieve(created.id);
    restored(read.choices[0]!.message.content!, 'chat.completions.retrieve');
    const messages = await client.chat.completions.messages.list(created.id);
    const given = messages.data[0]!.content!;
    assert.ok(given.includes(fe.project) && given.includes(`as ${fe.user}`), given);
    assert.ok(!given.includes(PLANTED_KEY), 'a secret is never written back into text');
    const stored = await client.chat.completions.list();
    restored(
      stored.data.find((c) => c.id === created.id)!.choices[0]!.message.content!,
      'chat.completions.list',
    );
  });

  test('messages.batches.results: each result restored, read through the gateway', async () => {
    const client = anthropic();
    const batch = await client.messages.batches.create({
      requests: ['first', 'second'].map((custom_id) => ({
        custom_id,
        params: {
          model: 'claude-sonnet-4-6',
          max_tokens: 100,
          messages: [{ role: 'user' as const, content: `${custom_id}: ${plantedText(fe)}` }],
        },
      })),
    });
    upstreamKeptSurrogates();
    const retrieved = await client.messages.batches.retrieve(batch.id);
    assert.ok(
      retrieved.results_url?.startsWith(`${stack.via.anthropic}/v1/messages/batches/`),
      `results_url leads past the gateway: ${retrieved.results_url}`,
    );
    const held = await heldUpstream(`/v1/messages/batches/${batch.id}/results`);
    assert.match(held, /Working directory: \/home\/user\/project-\d+/);
    const results = [];
    for await (const result of await client.messages.batches.results(batch.id)) results.push(result);
    assert.deepEqual(
      results.map((r) => r.custom_id),
      ['first', 'second'],
    );
    for (const result of results) {
      assert.ok(result.result.type === 'succeeded');
      const block = result.result.message.content[0];
      assert.ok(block?.type === 'text');
      assert.ok(block.text.startsWith(`You said: ${result.custom_id}: `));
      restored(block.text, 'the batch result');
    }
  });

  test('batches.get of a Gemini batch: its inlined responses restored', async () => {
    const client = genai();
    const job = await client.batches.create({
      model: 'gemini-2.5-flash',
      src: [{ contents: [{ role: 'user', parts: [{ text: plantedText(fe) }] }] }],
    });
    upstreamKeptSurrogates();
    const id = job.name!.replace(/^batches\//, '');
    assert.match(await heldUpstream(`/v1beta/batches/${id}`), /Working directory: \/home\/user\/project-\d+/);
    const done = await client.batches.get({ name: job.name! });
    const text = JSON.stringify(done.dest?.inlinedResponses?.[0]?.response?.candidates);
    restored(text, 'the inlined response');
  });

  test("files.content of a batch's output file: each answer restored; other files as they came", async () => {
    const client = openai();
    const lines = ['first', 'second'].map((custom_id) =>
      JSON.stringify({
        custom_id,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'gpt-4.1', messages: [{ role: 'user', content: `${custom_id}: ${plantedText(fe)}` }] },
      }),
    );
    const input = await client.files.create({
      file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'batch.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: input.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    upstreamKeptSurrogates();
    const done = await client.batches.retrieve(batch.id);
    assert.equal(done.status, 'completed');
    const output = done.output_file_id!;
    assert.match(
      await heldUpstream(`/v1/files/${output}/content`),
      /Working directory: \/home\/user\/project-\d+/,
    );

    const text = await (await client.files.content(output)).text();
    const answers = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { custom_id: string; response: { body: OpenAI.ChatCompletion } });
    assert.deepEqual(
      answers.map((a) => a.custom_id),
      ['first', 'second'],
    );
    for (const answer of answers)
      restored(answer.response.body.choices[0]!.message.content!, 'the batch output');

    // The input file holds requests, not answers: it is read back as the provider keeps it.
    const back = await (await client.files.content(input.id)).text();
    assert.equal(back, await heldUpstream(`/v1/files/${input.id}/content`));
  });

  test('interactions.get: the interaction restored, JSON and streamed', async () => {
    const client = genai();
    const created = await client.interactions.create({
      model: 'gemini-3-flash-preview',
      input: plantedText(fe),
    });
    upstreamKeptSurrogates();
    assert.match(await heldUpstream(`/v1beta/interactions/${created.id}`), /project-\d+ on host-\d+/);

    const read = await client.interactions.get(created.id);
    const text = JSON.stringify(read.steps);
    restored(text, 'interactions.get');

    const stream = await client.interactions.get(created.id, { stream: true });
    let streamed = '';
    for await (const event of stream)
      if (event.event_type === 'step.delta' && event.delta.type === 'text') streamed += event.delta.text;
    restored(streamed, 'interactions.get streamed');
  });
});

describe('answers read back after a gateway restart', () => {
  /**
   * A background response created, the gateway restarted, the response read back; then the same
   * values sent again in a new request, and the first response read back once more.
   */
  async function readBackAfterRestart(vault: 'memory' | 'sqlite'): Promise<[string, string]> {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-read-back-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, `vault: ${vault}\n`);
    const env = makeFakeEnv();
    const own = await startAirlockStack({ script: SCRIPT }, { fe: env, policyFile });
    try {
      const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: own.via.openai, maxRetries: 0 });
      const created = await client().responses.create({
        model: 'gpt-4.1',
        input: plantedText(env),
        background: true,
      });
      await own.restart();
      const read = async () =>
        (await client().responses.retrieve(created.id)).output_text
          .replace(env.project, '<project>')
          .replace(env.host, '<host>');
      const first = await read();
      await client().responses.create({ model: 'gpt-4.1', input: plantedText(env) });
      return [first, await read()];
    } finally {
      await own.close();
      env.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('vault: sqlite remembers the surrogates: the answer is restored', async () => {
    const restored = 'Working in <project> on <host>.';
    assert.deepEqual(await readBackAfterRestart('sqlite'), [restored, restored]);
  });

  test('the memory vault starts empty: the answer keeps its surrogates until the values are sent again', async () => {
    const [first, again] = await readBackAfterRestart('memory');
    assert.match(first, /^Working in \/home\/user\/project-\d+ on host-\d+\.example\.internal\.$/);
    assert.equal(again, 'Working in <project> on <host>.');
  });
});

describe('a file read back that is larger than limits.max_answer', () => {
  test('goes as it came, not refused as too large to restore', async () => {
    const env = makeFakeEnv();
    const own = await startAirlockStack(
      { script: SCRIPT },
      { fe: env, config: { limits: { max_answer: 2048, max_answers_held: 4096 } } },
    );
    try {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: own.via.openai, maxRetries: 0 });
      const lines = Array.from({ length: 12 }, (_, i) =>
        JSON.stringify({
          custom_id: `r${i}`,
          method: 'POST',
          url: '/v1/chat/completions',
          body: {
            model: 'gpt-4.1',
            messages: [{ role: 'user', content: `Working directory: ${env.project}` }],
          },
        }),
      );
      const input = await client.files.create({
        file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'batch.jsonl'),
        purpose: 'batch',
      });
      const batch = await client.batches.create({
        input_file_id: input.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      const output = (await client.batches.retrieve(batch.id)).output_file_id!;
      const held = await (await fetch(`${own.sim.url}/v1/files/${output}/content`)).text();
      assert.ok(held.length > 2048, `only ${held.length} bytes`);
      assert.equal(await (await client.files.content(output)).text(), held);
    } finally {
      await own.close();
      env.cleanup();
    }
  });
});
