/**
 * The simulator answers the official @anthropic-ai/sdk as api.anthropic.com would: JSON and
 * streamed messages, tool_use whose input repeats a value from the request, count_tokens,
 * models, and the legacy /v1/complete (which SDK 1.x no longer wraps, so it is driven by fetch).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';

const PLANTED_PATH = '/home/alice.smith/src/payments-api/config/settings.py';
const ENV_BLOCK = `<env>\nWorking directory: ${PLANTED_PATH.replace('/config/settings.py', '')}\nPlatform: linux\n</env>`;

describe('simulator: Anthropic Messages with @anthropic-ai/sdk', () => {
  let sim: Simulator;
  let client: Anthropic;

  before(async () => {
    sim = await startSimulator();
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: sim.urls.anthropic, maxRetries: 0 });
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.reset();
    sim.setScript({ reply: [{ text: 'Hello from the Airlock simulator.' }] });
  });

  it('answers messages.create with the default text and plausible usage', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    assert.equal(message.type, 'message');
    assert.equal(message.model, 'claude-sonnet-4-6');
    assert.equal(message.stop_reason, 'end_turn');
    const block = message.content[0];
    assert.equal(block?.type, 'text');
    assert.equal(block.type === 'text' ? block.text : '', 'Hello from the Airlock simulator.');
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
    assert.equal(sim.received.length, 1);
    const rec = sim.received[0];
    assert.equal(rec?.method, 'POST');
    assert.equal(rec?.path, '/v1/messages');
    // SDK 1.x sends the key as a bearer token (older SDKs and Claude Code use x-api-key).
    assert.equal(rec?.headers['authorization'], 'Bearer sk-ant-test');
    assert.ok(rec?.headers['anthropic-version']);
    assert.deepEqual((rec?.json as { messages: unknown }).messages, [{ role: 'user', content: 'Say hello' }]);
  });

  it('streams text in several deltas that the SDK assembles', async () => {
    sim.setScript({ reply: [{ text: 'one two three four five six' }] });
    const stream = client.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'count' }],
    });
    const deltas: string[] = [];
    const eventTypes: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    stream.on('streamEvent', (event) => eventTypes.push(event.type));
    const final = await stream.finalMessage();
    assert.equal(deltas.length, 6);
    assert.equal(deltas.join(''), 'one two three four five six');
    assert.equal(
      final.content[0]?.type === 'text' ? final.content[0].text : '',
      'one two three four five six',
    );
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 1, 'message_delta carries the final output token count');
    // The SDK does not surface pings; the raw order is checked in the next test.
    assert.deepEqual(eventTypes.slice(0, 3), ['message_start', 'content_block_start', 'content_block_delta']);
    assert.deepEqual(eventTypes.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('sends the real event sequence on the wire, each event name matching its data type', async () => {
    sim.setScript({ reply: [{ text: 'a b' }, { toolCall: { name: 'T', args: { k: 'v' } } }] });
    const res = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'q' }],
      }),
    });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(res.headers.get('request-id'));
    const events = (await res.text())
      .split('\n\n')
      .filter((block) => block.length > 0)
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n');
        const data = JSON.parse((dataLine ?? '').replace(/^data: /, '')) as {
          type: string;
          delta?: { type: string };
        };
        assert.equal(eventLine, `event: ${data.type}`);
        return data.delta?.type ?? data.type;
      });
    assert.deepEqual(events, [
      'message_start',
      'content_block_start',
      'ping',
      'text_delta',
      'text_delta',
      'content_block_stop',
      'content_block_start',
      'input_json_delta',
      'input_json_delta',
      'input_json_delta',
      'input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('streams a tool_use whose input repeats the path named in the request', async () => {
    sim.setScript({
      reply: [
        { text: 'Let me read the settings.' },
        {
          toolCall: {
            name: 'Read',
            args: { file_path: { fromRequest: 'Working directory: (\\S+)' }, limit: 200 },
          },
        },
      ],
    });
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 1000,
      system: `You are Claude Code.\n${ENV_BLOCK}`,
      tools: [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: {} } }],
      messages: [{ role: 'user', content: 'What is in the settings?' }],
    });
    const fragments: string[] = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const toolUse = final.content.find((b) => b.type === 'tool_use');
    assert.ok(toolUse && toolUse.type === 'tool_use');
    assert.equal(toolUse.name, 'Read');
    assert.match(toolUse.id, /^toolu_01/);
    assert.deepEqual(toolUse.input, { file_path: '/home/alice.smith/src/payments-api', limit: 200 });
    assert.ok(fragments.length >= 5, `arguments arrive in small fragments (got ${fragments.length})`);
  });

  it('walks a multi-turn script: tool call first, final text after the tool_result', async () => {
    sim.setScript([
      { reply: [{ toolCall: { name: 'Read', args: { file_path: { fromRequest: 'read (\\S+) please' } } } }] },
      { reply: [{ text: 'The file sets DEBUG to false.' }] },
    ]);
    const question = { role: 'user' as const, content: `read ${PLANTED_PATH} please` };
    const first = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [question],
    });
    const toolUse = first.content[0];
    assert.ok(toolUse?.type === 'tool_use');
    assert.deepEqual(toolUse.input, { file_path: PLANTED_PATH });
    const second = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [
        question,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'DEBUG = False' }],
        },
      ],
    });
    assert.equal(
      second.content[0]?.type === 'text' ? second.content[0].text : '',
      'The file sets DEBUG to false.',
    );
    const third = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [question],
    });
    assert.equal(third.content[0]?.type, 'text', 'past the end of the list the last reply repeats');
  });

  it('streams a thinking block (thinking_delta, then signature_delta) before the text', async () => {
    sim.setScript({
      reply: [
        { thinking: { fromRequest: 'about (\\S+)', template: 'The user asks about $1.' } },
        { text: 'Done.' },
      ],
    });
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'tell me about /srv/app' }],
    });
    const thoughts: string[] = [];
    stream.on('thinking', (delta) => thoughts.push(delta));
    const final = await stream.finalMessage();
    assert.equal(thoughts.join(''), 'The user asks about /srv/app.');
    assert.ok(thoughts.length > 1);
    const [thinking, text] = final.content;
    assert.ok(thinking?.type === 'thinking');
    assert.equal(thinking.thinking, 'The user asks about /srv/app.');
    assert.ok(thinking.signature.length > 0, 'the signature_delta filled the signature');
    assert.ok(text?.type === 'text' && text.text === 'Done.');
  });

  it('counts tokens and lists models', async () => {
    const count = await client.messages.countTokens({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    assert.ok(count.input_tokens >= 100);
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    assert.ok(ids.length > 0 && ids.every((id) => id.startsWith('claude-')));
    const one = await client.models.retrieve(ids[0] ?? '');
    assert.equal(one.id, ids[0]);
    assert.equal(one.type, 'model');
  });

  it('answers HEAD / (the probe Claude Code sends) and rejects a request without anthropic-version', async () => {
    const head = await fetch(`${sim.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const res = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 1, messages: [] }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /anthropic-version/);
  });

  it('serves the legacy /v1/complete as JSON and as SSE', async () => {
    sim.setScript({ reply: [{ text: ' Hello there.' }] });
    const headers = {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'k',
    };
    const request = { model: 'claude-2.1', prompt: '\n\nHuman: hi\n\nAssistant:', max_tokens_to_sample: 50 };
    const json = await fetch(`${sim.url}/v1/complete`, {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
    });
    const completion = (await json.json()) as { type: string; completion: string; stop_reason: string };
    assert.equal(completion.type, 'completion');
    assert.equal(completion.completion, ' Hello there.');
    assert.equal(completion.stop_reason, 'stop_sequence');
    const sse = await fetch(`${sim.url}/v1/complete`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...request, stream: true }),
    });
    assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await sse.text();
    const datas = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map(
        (l) => JSON.parse(l.slice(6)) as { type: string; completion?: string; stop_reason?: string | null },
      );
    const completions = datas.filter((d) => d.type === 'completion');
    assert.equal(completions.map((d) => d.completion).join(''), ' Hello there.');
    assert.equal(completions.at(-1)?.stop_reason, 'stop_sequence');
    assert.ok(datas.some((d) => d.type === 'ping'));
  });
});
