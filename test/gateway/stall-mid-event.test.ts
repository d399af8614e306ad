/**
 * An SSE answer relayed as it came (nothing to restore: most requests) whose upstream stalls past
 * timeouts.idle_ms, or breaks off, in the middle of an event. The part of the event that had
 * gone out and the gateway's error event ran together (`data: {"type":"content_block_delevent:
 * error`): the SDKs failed on JSON they could not parse instead of reporting the timeout. Parts
 * of events are now held until their event is complete (src/sse/whole-events.ts), and dropped
 * at a break, as a client drops them.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createGzip } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import OpenAI from 'openai';
import type { Gateway } from '../../src/gateway/server.js';
import { WholeEvents } from '../../src/sse/whole-events.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.js';

const ANTHROPIC_EVENTS = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n',
];
const OPENAI_EVENTS = [
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}\n\n',
];
/** Half of the next event: where the upstream stalls. */
const HALF = {
  anthropic: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"ty',
  openai: 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choi',
};

describe('an SSE answer relayed as it came, stalled in the middle of an event', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;
  const answers: ServerResponse[] = [];

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        answers.push(res);
        const openai = req.url!.includes('chat/completions');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const ev of openai ? OPENAI_EVENTS : ANTHROPIC_EVENTS) res.write(ev);
        res.write(openai ? HALF.openai : HALF.anthropic);
        // ... and nothing more: timeouts.idle_ms ends it.
      });
    });
    gw = await upstream.gateway({ timeouts: { idle_ms: 300 } });
  });
  after(() => upstream.close());

  test('Anthropic SDK: the text so far, then the timeout as an API error; recorded; upstream closed', async () => {
    const client = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    stream.on('text', (t) => (text += t));
    const err = await stream.finalMessage().then(
      () => assert.fail('the stream should fail'),
      (e: unknown) => e,
    );
    assert.equal(text, 'Hello');
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.match((err as Error).message, /timeout_error/);
    assert.match((err as Error).message, /did not answer in time/);
    assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_UPSTREAM_TIMEOUT');
    assert.equal(answers.at(-1)!.destroyed, true);
  });

  test('OpenAI SDK: the same', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/openai/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    const err = await (async () => {
      try {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      } catch (e) {
        return e;
      }
      return assert.fail('the stream should fail');
    })();
    assert.equal(text, 'Hello');
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.match((err as Error).message, /did not answer in time/);
    assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_UPSTREAM_TIMEOUT');
  });
});

/** A stream with the half event completed. */
const WHOLE = [...ANTHROPIC_EVENTS, HALF.anthropic + 'pe":"text_delta","text":"!"}}\n\n'].join('');

// An upstream (or a proxy on the way that buffers) may give a stream a content-length. Relayed
// with it, nothing the gateway wrote at a stall or break could be read as an event: its part of
// an event went out, the error event after it, and the client waited for the bytes still declared.
describe('an SSE answer with a content-length relayed as it came, stalled or broken off in an event', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;
  const answers: ServerResponse[] = [];

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        answers.push(res);
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'content-length': String(Buffer.byteLength(WHOLE)),
        });
        for (const ev of ANTHROPIC_EVENTS) res.write(ev);
        res.write(HALF.anthropic);
        if (req.url!.includes('whole'))
          return void res.end(WHOLE.slice(WHOLE.lastIndexOf(HALF.anthropic) + HALF.anthropic.length));
        // Broken off, or nothing more: timeouts.idle_ms ends it.
        if (req.url!.includes('break')) setImmediate(() => res.destroy());
      });
    });
    gw = await upstream.gateway({ timeouts: { idle_ms: 300 } });
  });
  after(() => upstream.close());

  for (const [how, path, code, message] of [
    ['stalled', '/v1/messages', 'AIRLOCK_UPSTREAM_TIMEOUT', /timeout_error/],
    ['broken off', '/v1/messages?break', 'AIRLOCK_UPSTREAM_BROKE_OFF', /api_error/],
  ] as const) {
    test(`${how}: the text so far, then the gateway's error event as an API error; recorded`, async () => {
      const client = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'k', maxRetries: 0 });
      const stream = client.messages.stream(
        { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { path } as never,
      );
      let text = '';
      stream.on('text', (t) => (text += t));
      const err = await stream.finalMessage().then(
        () => assert.fail('the stream should fail'),
        (e: unknown) => e,
      );
      assert.equal(text, 'Hello');
      assert.ok(err instanceof Anthropic.APIError, String(err));
      assert.match((err as Error).message, message);
      assert.equal(upstream.reports.at(-1)!.errorCode, code);
      assert.equal(answers.at(-1)!.destroyed, true);
    });
  }

  test('complete: every byte as it came, recorded', async () => {
    const reports = upstream.reports.length;
    const answer = await fetch(`${gw.url}/anthropic/v1/messages?whole`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"m","stream":true,"messages":[]}',
    });
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), WHOLE);
    assert.equal(upstream.reports.length, reports + 1);
    assert.equal(upstream.reports.at(-1)!.errorCode, undefined);
    assert.equal(upstream.reports.at(-1)!.bytesOut, Buffer.byteLength(WHOLE));
  });
});

describe('a compressed SSE answer relayed as it came, stalled', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        // Compressed whatever the client asked for (as a proxy that always compresses), flushed
        // after its events; then nothing.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        const gzip = createGzip();
        gzip.pipe(res);
        for (const ev of ANTHROPIC_EVENTS) gzip.write(ev);
        gzip.flush();
      });
    });
    gw = await upstream.gateway({ timeouts: { idle_ms: 300 } });
  });
  after(() => upstream.close());

  // An error event in plain text written into the gzip stream left the SDK waiting for ever.
  test(
    'the connection is cut (nothing written into the encoded bytes): the SDK fails, recorded',
    { timeout: 15_000 },
    async () => {
      const client = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'k', maxRetries: 0 });
      const stream = client.messages.stream({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      let text = '';
      stream.on('text', (t) => (text += t));
      const err = await stream.finalMessage().then(
        () => assert.fail('the stream should fail'),
        (e: unknown) => e,
      );
      assert.equal(text, 'Hello');
      assert.ok(err instanceof Error);
      assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_UPSTREAM_TIMEOUT');
    },
  );
});

describe('a non-streamed answer relayed as it came, stalled after its headers', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.flushHeaders();
        if (req.url!.includes('half')) res.write('{"id":"msg_1","type":"mes');
      });
    });
    gw = await upstream.gateway({ timeouts: { idle_ms: 300 } });
  });
  after(() => upstream.close());

  const client = () => new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'k', maxRetries: 0 });
  const ask = (path: string) =>
    client().messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, {
      path,
    } as never);

  // Its headers went to the client at once: the connection was then closed with nothing on it,
  // and the SDK said "Connection error." instead of the timeout.
  test('nothing of its body yet: the client gets 504 AIRLOCK_UPSTREAM_TIMEOUT in the provider shape', async () => {
    const err = await ask('/v1/messages').then(
      () => assert.fail('the request should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.status, 504);
    assert.match(err.message, /timeout_error/);
    assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_UPSTREAM_TIMEOUT');
    assert.equal(upstream.reports.at(-1)!.status, 504);
  });

  test('part of its body sent: the connection is cut, the exchange recorded', async () => {
    const err = await ask('/v1/messages?half').then(
      () => assert.fail('the request should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_UPSTREAM_TIMEOUT');
  });
});

describe('WholeEvents', () => {
  const stream = (events: string[], eol: string) => events.map((e) => e.replaceAll('\n', eol)).join('');

  test('cut anywhere, it gives back every byte in order, and only at event ends until its end', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 30 }).map((s) => `data: ${s.replace(/[\r\n]/g, '')}\n\n`),
          {
            maxLength: 8,
          },
        ),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
        fc.array(fc.nat(400), { maxLength: 12 }),
        (events, eol, tail, cuts) => {
          const bytes = Buffer.from(stream(events, eol) + tail);
          const w = new WholeEvents(1024);
          const sent: Buffer[] = [];
          let from = 0;
          for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
            sent.push(w.push(bytes.subarray(from, cut)));
            from = cut;
          }
          sent.push(w.push(bytes.subarray(from)));
          const soFar = Buffer.concat(sent).toString();
          // Before the end: whole events only (a lone CR ends a line: "\r\r" ends an event).
          assert.ok(soFar.length <= bytes.length - tail.length);
          assert.equal(soFar, bytes.toString().slice(0, soFar.length));
          assert.ok(soFar === '' || /(\n\n|\r\n\r\n|\r\r)$/.test(soFar), JSON.stringify(soFar));
          assert.equal(soFar + w.release().toString(), bytes.toString());
        },
      ),
    );
  });

  test('an event larger than its bound goes through as it comes: what it holds stays bounded', () => {
    const w = new WholeEvents(1000);
    let out = 0;
    let held = 0;
    for (let i = 0; i < 100; i++) {
      const piece = Buffer.alloc(300, 'x');
      out += w.push(i === 0 ? Buffer.concat([Buffer.from('data: '), piece]) : piece).length;
      held = 6 + 300 * (i + 1) - out;
      assert.ok(held <= 1000, `held ${held}`);
    }
    assert.equal(out + w.push(Buffer.from('\n\n')).length, 6 + 300 * 100 + 2);
  });
});
