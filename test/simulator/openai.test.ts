/**
 * The simulator answers the official `openai` SDK as api.openai.com would: Chat Completions and
 * Responses, JSON and streamed, including tool calls whose arguments repeat a request value.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';

const PLANTED_HOST = 'build-07.corp.acme.internal';
const TOOLS = [
  {
    type: 'function' as const,
    function: { name: 'ssh', description: 'Run on a host', parameters: { type: 'object', properties: {} } },
  },
];
const SSH_SCRIPT = {
  reply: [
    {
      toolCall: {
        name: 'ssh',
        args: {
          host: { fromRequest: 'connect to ([\\w.-]+)' },
          command: 'uptime',
          options: { port: 22, verbose: false },
        },
      },
    },
  ],
};

describe('simulator: OpenAI Chat Completions and Responses with the openai SDK', () => {
  let sim: Simulator;
  let client: OpenAI;

  before(async () => {
    sim = await startSimulator();
    client = new OpenAI({ apiKey: 'sk-test', baseURL: sim.urls.openai, maxRetries: 0 });
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.reset();
    sim.setScript({ reply: [{ text: 'Hello from the Airlock simulator.' }] });
  });

  it('answers chat.completions.create with text and usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4.1');
    assert.equal(completion.choices[0]?.message.content, 'Hello from the Airlock simulator.');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
    const rec = sim.received[0];
    assert.equal(rec?.path, '/v1/chat/completions');
    assert.equal(rec?.headers['authorization'], 'Bearer sk-test');
  });

  it('returns a non-streamed tool call with the value taken from the request', async () => {
    sim.setScript(SSH_SCRIPT);
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1',
      tools: TOOLS,
      messages: [{ role: 'user', content: `please connect to ${PLANTED_HOST} and check` }],
    });
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    const call = choice?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.match(call.id, /^call_/);
    assert.deepEqual(JSON.parse(call.function.arguments), {
      host: PLANTED_HOST,
      command: 'uptime',
      options: { port: 22, verbose: false },
    });
  });

  it('streams text and tool_calls the way the real API does, and the stream helper assembles them', async () => {
    sim.setScript({ ...SSH_SCRIPT, reply: [{ text: 'Connecting now.' }, ...SSH_SCRIPT.reply] });
    const request = {
      model: 'gpt-4.1',
      tools: TOOLS,
      messages: [{ role: 'user' as const, content: `connect to ${PLANTED_HOST}` }],
    };
    const raw = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of raw) chunks.push(chunk);
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const first = toolDeltas[0];
    assert.ok(first?.id?.startsWith('call_'), 'the first tool-call delta carries the id');
    assert.equal(first?.type, 'function');
    assert.equal(first?.function?.name, 'ssh');
    assert.equal(first?.function?.arguments, '', 'and empty arguments');
    const fragments = toolDeltas.slice(1);
    assert.ok(
      fragments.length >= 5 && fragments.every((d) => d.id === undefined && d.function?.name === undefined),
    );
    assert.equal(JSON.parse(fragments.map((d) => d.function?.arguments ?? '').join('')).host, PLANTED_HOST);
    const usageChunk = chunks.at(-1);
    assert.deepEqual(usageChunk?.choices, [], 'include_usage adds a final chunk with empty choices');
    assert.ok((usageChunk?.usage?.total_tokens ?? 0) > 0);

    const stream = client.chat.completions.stream(request);
    const final = await stream.finalChatCompletion();
    const message = final.choices[0]?.message;
    assert.equal(message?.content, 'Connecting now.');
    const call = message?.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.deepEqual(JSON.parse(call.function.arguments), {
      host: PLANTED_HOST,
      command: 'uptime',
      options: { port: 22, verbose: false },
    });
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('ends a chat stream with data: [DONE]', async () => {
    const res = await fetch(`${sim.urls.openai}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    const text = await res.text();
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.equal(text.split('\n\n').filter((e) => e.startsWith('data: {')).length, 7); // role, 5 words, finish
  });

  it('answers responses.create with output_text and a function_call item', async () => {
    const response = await client.responses.create({ model: 'gpt-5', input: 'hi', instructions: 'be brief' });
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Hello from the Airlock simulator.');
    assert.equal(response.instructions, 'be brief', 'the real API echoes instructions');

    sim.setScript(SSH_SCRIPT);
    const withTool = await client.responses.create({ model: 'gpt-5', input: `connect to ${PLANTED_HOST}` });
    const item = withTool.output[0];
    assert.ok(item?.type === 'function_call');
    assert.equal(item.name, 'ssh');
    assert.match(item.call_id, /^call_/);
    assert.equal(JSON.parse(item.arguments).host, PLANTED_HOST);
  });

  it('streams a response with the real event types and increasing sequence numbers', async () => {
    sim.setScript({ reply: [{ text: 'Checking the host.' }, ...SSH_SCRIPT.reply] });
    const stream = client.responses.stream({ model: 'gpt-5', input: `connect to ${PLANTED_HOST}` });
    const types: string[] = [];
    const sequence: number[] = [];
    const argDeltas: string[] = [];
    stream.on('event', (event) => {
      types.push(event.type);
      sequence.push(event.sequence_number);
    });
    stream.on('response.function_call_arguments.delta', (event) => argDeltas.push(event.delta));
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'Checking the host.');
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.equal(JSON.parse(call.arguments).host, PLANTED_HOST);
    assert.ok(argDeltas.length >= 5);
    assert.equal(argDeltas.join(''), call.arguments);
    assert.deepEqual(
      sequence,
      types.map((_, i) => i),
    );
    const distinct = types.filter((t, i) => types[i - 1] !== t);
    assert.deepEqual(distinct, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  it('streams visible reasoning as a Responses reasoning item, and leaves it out of Chat Completions', async () => {
    sim.setScript({ reply: [{ thinking: 'Weighing the options.' }, { text: 'Answer.' }] });
    const stream = client.responses.stream({ model: 'gpt-5', input: 'q' });
    const summaryDeltas: string[] = [];
    stream.on('response.reasoning_summary_text.delta', (e) => summaryDeltas.push(e.delta));
    const final = await stream.finalResponse();
    assert.deepEqual(summaryDeltas, ['Weighing ', 'the ', 'options.']);
    const reasoning = final.output[0];
    assert.ok(reasoning?.type === 'reasoning');
    assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'Weighing the options.' }]);
    assert.equal(final.output_text, 'Answer.');

    const chat = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'q' }],
    });
    assert.equal(chat.choices[0]?.message.content, 'Answer.');
  });

  it('lists models in the OpenAI shape when no anthropic-version header is sent', async () => {
    const page = await client.models.list();
    assert.ok(page.data.length > 0);
    assert.ok(page.data.every((m) => m.object === 'model' && typeof m.owned_by === 'string'));
  });
});
