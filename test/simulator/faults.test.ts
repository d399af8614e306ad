/**
 * Fault scripts the gateway's tests rely on: provider-shaped error answers (parsed by the real
 * SDKs into their own error classes), a hang that never sends headers, a connection dropped in
 * the middle of a stream or a JSON body, and a stream that stalls.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';

const ask = {
  model: 'claude-sonnet-4-6',
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: 'hi' }],
};

/** POST a streaming request with node:http and collect the raw body pieces until the socket ends or errors. */
function rawStream(
  url: string,
  onData?: (text: string, req: http.ClientRequest) => void,
): Promise<{ text: string; error?: Error }> {
  return new Promise((resolve) => {
    let text = '';
    const req = http.request(
      url + '/v1/messages',
      { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (piece: string) => {
          text += piece;
          onData?.(text, req);
        });
        res.on('end', () => resolve({ text }));
        res.on('error', (error) => resolve({ text, error }));
        res.on('aborted', () => resolve({ text, error: new Error('aborted') }));
      },
    );
    req.on('error', (error) => resolve({ text, error }));
    req.end(JSON.stringify({ ...ask, stream: true }));
  });
}

describe('simulator: error and fault scripts', () => {
  let sim: Simulator;
  let anthropic: Anthropic;

  before(async () => {
    sim = await startSimulator();
    anthropic = new Anthropic({ apiKey: 'k', baseURL: sim.urls.anthropic, maxRetries: 0 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('answers an Anthropic 529 overloaded error that the SDK parses', async () => {
    sim.setScript({ error: { status: 529 } });
    const err = await anthropic.messages.create(ask).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 529);
    assert.deepEqual((err.error as { error: unknown }).error, {
      type: 'overloaded_error',
      message: 'Overloaded',
    });
    assert.match(err.requestID ?? '', /^req_/);
  });

  it('lets the SDK retry past a scripted error to the next turn', async () => {
    sim.setScript([
      { error: { status: 500, headers: { 'retry-after-ms': '5' } } },
      { reply: [{ text: 'recovered' }] },
    ]);
    const retrying = new Anthropic({ apiKey: 'k', baseURL: sim.urls.anthropic, maxRetries: 1 });
    const message = await retrying.messages.create(ask);
    assert.equal(message.content[0]?.type === 'text' ? message.content[0].text : '', 'recovered');
    assert.equal(sim.received.length, 2);
    assert.equal(sim.received[1]?.headers['x-stainless-retry-count'], '1');
  });

  it('answers OpenAI and Gemini errors in their own shapes', async () => {
    sim.setScript({ error: { status: 429, message: 'Slow down.' } });
    const openai = new OpenAI({ apiKey: 'k', baseURL: sim.urls.openai, maxRetries: 0 });
    const err = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] })
      .then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.equal(err.message, '429 Slow down.');

    sim.setScript({ error: { status: 503, message: 'The model is overloaded.' } });
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim.urls.gemini } });
    const gerr = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(gerr instanceof ApiError);
    assert.equal(gerr.status, 503);
    assert.match(gerr.message, /UNAVAILABLE/);
    assert.match(gerr.message, /The model is overloaded\./);
  });

  it('hangs without headers until the client gives up, and close() still returns', async () => {
    const own = await startSimulator({ script: { hang: true } });
    const client = new Anthropic({ apiKey: 'k', baseURL: own.urls.anthropic, maxRetries: 0, timeout: 300 });
    await assert.rejects(client.messages.create(ask), Anthropic.APIConnectionTimeoutError);
    assert.equal(own.received.length, 1, 'the request was received, just never answered');
    const pending = rawStream(own.url);
    while (own.received.length < 2) await new Promise((r) => setTimeout(r, 5));
    await own.close();
    const result = await pending;
    assert.ok(result.error, 'the hung connection is destroyed by close()');
    assert.equal(result.text, '');
  });

  it('drops the connection mid-stream after the scripted number of events', async () => {
    sim.setScript({ reply: [{ text: 'one two three four five six seven' }], dropAfterEvents: 5 });
    const raw = await rawStream(sim.url);
    assert.ok(raw.error, 'the client sees a truncated response');
    assert.equal(raw.text.split('\n\n').filter((e) => e.startsWith('event: ')).length, 5);
    assert.ok(!raw.text.includes('message_stop'));

    const texts: string[] = [];
    const stream = anthropic.messages.stream(ask).on('text', (t) => texts.push(t));
    await assert.rejects(stream.finalMessage());
    assert.deepEqual(texts, ['one ', 'two '], 'events before the drop reached the SDK');
  });

  it("ends streams with each provider's in-stream error event, which the SDKs raise", async () => {
    const streamError = { afterEvents: 4, message: 'Overloaded mid-stream.' };
    sim.setScript({ reply: [{ text: 'one two three four five' }], streamError });
    const texts: string[] = [];
    const stream = anthropic.messages.stream(ask).on('text', (t) => texts.push(t));
    const err = await stream.finalMessage().then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Anthropic.APIError);
    assert.deepEqual((err.error as { error: unknown }).error, {
      type: 'overloaded_error',
      message: 'Overloaded mid-stream.',
    });
    assert.deepEqual(texts, ['one '], 'message_start, content_block_start, ping, one delta, then the error');

    const openai = new OpenAI({ apiKey: 'k', baseURL: sim.urls.openai, maxRetries: 0 });
    const chat = await openai.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    const contents: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of chat) contents.push(chunk.choices[0]?.delta.content ?? '');
      })(),
      (e: unknown) => e instanceof OpenAI.APIError && /Overloaded mid-stream\./.test(e.message),
    );
    assert.deepEqual(contents, ['', 'one ', 'two ', 'three ']);

    const responses = openai.responses.stream({ model: 'm', input: 'x' });
    // A Responses `error` event is a typed event (ResponseErrorEvent), not an `error` field: the
    // stream helper of openai 6 rejects with the event itself, openai 7 with an APIError holding it.
    await assert.rejects(responses.finalResponse(), (e: unknown) => {
      assert.deepEqual(e instanceof OpenAI.APIError ? e.error : e, {
        type: 'error',
        code: 'server_error',
        message: 'Overloaded mid-stream.',
        param: null,
        sequence_number: 4,
      });
      return true;
    });

    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim.urls.gemini } });
    const gemini = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' });
    const parts: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of gemini) parts.push(chunk.text ?? '');
      })(),
      (e: unknown) => e instanceof ApiError && e.status === 503 && /Overloaded mid-stream\./.test(e.message),
    );
    assert.deepEqual(parts, ['one ', 'two ', 'three ', 'four ']);
  });

  it('drops a JSON answer after half its body', async () => {
    sim.setScript({ reply: [{ text: 'never complete' }], dropAfterEvents: 0 });
    // The SDK reads the body with fetch, which reports the cut as `TypeError: terminated`.
    await assert.rejects(anthropic.messages.create(ask), /terminated/);
  });

  it('stalls a stream after the scripted number of events, keeping the connection open', async () => {
    sim.setScript({ reply: [{ text: 'a b c d e f' }], stallAfterEvents: 4 });
    const raw = await rawStream(sim.url, (text, req) => {
      if (text.split('\n\n').filter((e) => e.startsWith('event: ')).length === 4) req.destroy();
    });
    assert.ok(raw.error, 'the stream never ended by itself; the client had to abort it');
    assert.ok(raw.text.includes('"text":"a "'));
    assert.ok(!raw.text.includes('"text":"b "'));
  });

  it('answers 400 naming the pattern when fromRequest matches nothing, and 500 when a script function throws', async () => {
    sim.setScript({
      reply: [{ toolCall: { name: 'Read', args: { file_path: { fromRequest: 'path=(\\S+)' } } } }],
    });
    const err = await anthropic.messages.create(ask).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Anthropic.BadRequestError);
    const detail = (err.error as { error: { message: string } }).error.message;
    assert.equal(
      detail,
      'Simulator script: fromRequest /path=(\\S+)/ matched nothing (or captured nothing) in the request',
    );

    sim.setScript({
      reply: [
        {
          toolCall: { name: 'Read', args: { file_path: { fromRequest: 'path=(\\S+)', fallback: '/tmp/x' } } },
        },
      ],
    });
    const fallback = await anthropic.messages.create(ask);
    assert.deepEqual(fallback.content[0]?.type === 'tool_use' ? fallback.content[0].input : undefined, {
      file_path: '/tmp/x',
    });

    sim.setScript(() => {
      throw new Error('script bug');
    });
    const thrown = await anthropic.messages.create(ask).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(thrown instanceof Anthropic.InternalServerError);
    assert.match(thrown.message, /script bug/);
  });

  it('answers 404 in the provider shape for an unknown endpoint', async () => {
    const res = await fetch(`${sim.url}/v1/nothing-here`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(res.status, 404);
    assert.deepEqual(((await res.json()) as { error: { type: string } }).error.type, 'not_found_error');
    const gemini = await fetch(`${sim.url}/v1beta/models/x:unknownAction`, { method: 'POST', body: '{}' });
    assert.equal(((await gemini.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });
});
