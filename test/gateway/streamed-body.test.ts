/**
 * The gateway with no inspector sends a large body upstream while it arrives and checks it after
 * each part went on, the last one too; a body that turns out not to be JSON has its upstream
 * request dropped, and the client gets the gateway's 400, never the upstream's answer.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { buffer } from 'node:stream/consumers';
import type { Exchange } from '../../src/gateway/exchange.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { STREAM_BODY_FROM, streamBody } from '../../src/gateway/streamed-body.js';
import { testConfig } from '../helpers/stack.js';

/** What the recording upstream saw of one request. */
interface Seen {
  headers: import('node:http').IncomingHttpHeaders;
  bytes: number;
  /** The whole declared body arrived. */
  complete: boolean;
  body: Buffer;
}

/** An upstream that records every request body and answers a short SSE stream. */
class RecordingUpstream {
  server!: Server;
  seen: Seen[] = [];
  /** Resolved once a request (the `from`-th or a later one) has more than `n` bytes of its body in. */
  private waiters: { n: number; from: number; resolve: () => void }[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  bytesOver(n: number, from = 0): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ n, from, resolve }));
  }

  private handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const entry: Seen = { headers: req.headers, bytes: 0, complete: false, body: Buffer.alloc(0) };
    this.seen.push(entry);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      entry.bytes += c.length;

      const index = this.seen.indexOf(entry);
      // An earlier test's request may still be taking in what was sent before it was dropped.
      for (const w of this.waiters.filter((w) => entry.bytes > w.n && index >= w.from)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    req.on('error', () => {});
    req.on('end', () => {
      entry.complete = true;
      entry.body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`event: message_stop\ndata: {"type":"message_stop","bytes":${entry.bytes}}\n\n`);
    });
  }
}

function bigMessage(bytes: number): Buffer {
  const head = { model: 'claude-streamed-1', max_tokens: 16, stream: true };
  const text = 'lorem "ipsum" \\ dolor\n'.repeat(Math.ceil(bytes / 24));
  return Buffer.from(JSON.stringify({ ...head, messages: [{ role: 'user', content: text }] }));
}

/** POSTs `parts` one after the other, calling `between(i)` before part i > 0 is written. */
async function post(
  gw: Gateway,
  parts: Buffer[],
  between: (i: number) => Promise<void> = async () => {},
): Promise<{ status: number; body: string }> {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const req = request(`${gw.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': length, 'x-api-key': 'k' },
  });
  const answer = once(req, 'response') as Promise<[IncomingMessage]>;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) await between(i);
    req.write(parts[i]);
  }
  req.end();
  const [res] = await answer;
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
}

/** The gateway's 400 for a body that is not JSON: Anthropic's error shape, with JSON.parse's message. */
function assertParserError(answer: string, bad: Buffer): void {
  const error = JSON.parse(answer) as { type: string; error: { type: string; message: string } };
  assert.equal(error.error.type, 'invalid_request_error');
  let parserMessage = '';
  try {
    JSON.parse(bad.toString('utf8'));
  } catch (err) {
    parserMessage = (err as Error).message;
  }
  assert.ok(parserMessage !== '', 'the test body must not be JSON');
  assert.ok(error.error.message.includes(parserMessage.slice(0, 40)), error.error.message);
}

/** Fails instead of hanging when `p` does not settle. */
function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

let upstream: RecordingUpstream;
let gw: Gateway;
const exchanges: Exchange[] = [];

before(async () => {
  upstream = new RecordingUpstream();
  const url = await upstream.start();
  gw = await startGateway({ config: testConfig({}, url), onExchange: (ex) => void exchanges.push(ex) });
});
after(async () => {
  await gw.close(100);
  upstream.server.closeAllConnections();
  upstream.server.close();
});

describe('a smaller body through the gateway with no inspector (read whole, sent on as its chunks)', () => {
  /** Parts written with a pause between them, so that the gateway reads the body as several chunks. */
  const paused = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

  test('reaches the upstream byte for byte, with its model and size reported', async () => {
    const body = bigMessage(100_000);
    assert.ok(body.length < STREAM_BODY_FROM);
    const before = upstream.seen.length;
    const parts = [body.subarray(0, 30_000), body.subarray(30_000, 30_001), body.subarray(30_001)];
    const res = await within(post(gw, parts, paused), 'the exchange');
    assert.equal(res.status, 200);
    const seen = upstream.seen[before]!;
    assert.ok(seen.complete);
    assert.ok(seen.body.equals(body), 'the upstream got exactly the bytes the client sent');
    assert.equal(seen.headers['content-length'], String(body.length));
    const ex = exchanges.at(-1)!;
    assert.equal(ex.model, 'claude-streamed-1');
    assert.equal(ex.bytesIn, body.length);
  });

  test('not JSON: 400 with the parser message, and nothing reaches the upstream', async () => {
    const good = bigMessage(50_000);
    const bad = Buffer.concat([good.subarray(0, -1), Buffer.from(']')]);
    const before = upstream.seen.length;
    const res = await within(
      post(gw, [bad.subarray(0, 20_000), bad.subarray(20_000)], paused),
      'the exchange',
    );
    assert.equal(res.status, 400);
    assertParserError(res.body, bad);
    assert.equal(upstream.seen.length, before);
    assert.equal(exchanges.at(-1)!.errorCode, 'AIRLOCK_BAD_JSON');
  });
});

describe('a large body through the gateway with no inspector', () => {
  test('reaches the upstream before the client has sent all of it, byte for byte', async () => {
    const body = bigMessage(600_000);
    const cut = 400_000;
    const before = upstream.seen.length;
    // The client sends the rest only once the upstream has more than the first part's first
    // half: a gateway that read the whole body first would wait here forever.
    const res = await within(
      post(gw, [body.subarray(0, cut), body.subarray(cut)], () =>
        within(upstream.bytesOver(cut / 2), 'the upstream waiting for the first part'),
      ),
      'the exchange',
    );
    assert.equal(res.status, 200);
    assert.match(res.body, new RegExp(`"bytes":${body.length}`));
    const seen = upstream.seen[before]!;
    assert.ok(seen.complete);
    assert.ok(seen.body.equals(body), 'the upstream got exactly the bytes the client sent');
    const ex = exchanges.at(-1)!;
    assert.equal(ex.model, 'claude-streamed-1');
    assert.equal(ex.bytesIn, body.length);
    assert.equal(ex.status, 200);
  });

  test('expect: 100-continue: the gateway says go on, streams the body, and does not forward the expectation', async () => {
    const body = bigMessage(STREAM_BODY_FROM + 50_000);
    const before = upstream.seen.length;
    const res = await within(
      new Promise<{ status: number }>((resolve, reject) => {
        const req = request(`${gw.url}/anthropic/v1/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            expect: '100-continue',
          },
        });
        req.on('continue', () => req.end(body));
        req.on('response', (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0 });
        });
        req.on('error', reject);
      }),
      'the exchange',
    );
    assert.equal(res.status, 200);
    const seen = upstream.seen[before]!;
    assert.ok(seen.body.equals(body));
    assert.equal(seen.headers.expect, undefined);
  });

  test("not JSON at its very end: 400 with the parser message, never the upstream's answer", async () => {
    const good = bigMessage(STREAM_BODY_FROM + 10_000);
    const bad = Buffer.concat([good.subarray(0, -1), Buffer.from(']')]);
    const res = await within(post(gw, [bad.subarray(0, 100_000), bad.subarray(100_000)]), 'the exchange');
    // The upstream may have had it whole (it answers 200 to whatever it gets): its answer was
    // not read, the client hears the gateway.
    assert.equal(res.status, 400);
    assertParserError(res.body, bad);
    assert.equal(exchanges.at(-1)!.errorCode, 'AIRLOCK_BAD_JSON');
    // And the gateway goes on: the next body, on a fresh upstream connection, goes through.
    const next = await within(post(gw, [bigMessage(300_000)]), 'the next exchange');
    assert.equal(next.status, 200);
  });

  test('not JSON from its first bytes: 400, and nothing more is sent upstream', async () => {
    const good = bigMessage(STREAM_BODY_FROM + 10_000);
    const bad = Buffer.concat([Buffer.from('{"model" "x",'), good.subarray(13)]);
    const before = upstream.seen.length;
    // The rest only once the upstream has the first part (the gateway checks what it sent on
    // right after): a body sent all at once would be checked only whole (see the test above).
    const res = await within(
      post(gw, [bad.subarray(0, 70_000), bad.subarray(70_000)], async () => {
        await upstream.bytesOver(60_000, before);
        await new Promise((r) => setTimeout(r, 20));
      }),
      'the exchange',
    );
    assert.equal(res.status, 400);
    for (const seen of upstream.seen.slice(before)) {
      assert.equal(seen.complete, false);
      assert.ok(seen.bytes < bad.length);
    }
  });

  test('a client that goes away mid-body: the upstream request is dropped, the gateway carries on', async () => {
    const body = bigMessage(600_000);
    const before = upstream.seen.length;
    const req = request(`${gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    req.on('error', () => {});
    req.write(body.subarray(0, 300_000));
    await within(upstream.bytesOver(100_000, before), 'the upstream waiting for the first part');
    req.destroy();
    const seen = upstream.seen[before]!;
    await within(
      (async () => {
        while (exchanges.at(-1)?.aborted !== true) await new Promise((r) => setTimeout(r, 10));
      })(),
      'the exchange to be reported as aborted',
    );
    assert.equal(seen.complete, false);
    const next = await within(post(gw, [bigMessage(300_000)]), 'the next exchange');
    assert.equal(next.status, 200);
  });

  test('an upstream that answers before the body is in (a 413): the client gets that answer', async () => {
    // It answers on the first bytes and reads the rest without keeping it. (One that closed the
    // connection instead would make the gateway's next write fail, EPIPE, which undici may report
    // before the answer: a 502, with or without streaming.)
    const early = createServer((req, res) => {
      req.once('data', () => {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end('{"type":"error","error":{"type":"request_too_large","message":"too big"}}');
        req.resume();
      });
    });
    early.listen(0, '127.0.0.1');
    await once(early, 'listening');
    const gateway = await startGateway({
      config: testConfig({}, `http://127.0.0.1:${(early.address() as AddressInfo).port}`),
    });
    try {
      const body = bigMessage(600_000);
      const res = await within(
        post(gateway, [body.subarray(0, 300_000), body.subarray(300_000)]),
        'the exchange',
      );
      assert.equal(res.status, 413, res.body);
      assert.match(res.body, /too big/);
      // A body that is also not JSON: whichever is known first is the answer, and there is one.
      const bad = Buffer.concat([body, Buffer.from('}')]);
      const either = await within(
        post(gateway, [bad.subarray(0, 300_000), bad.subarray(300_000)]),
        'the exchange',
      );
      assert.ok([400, 413].includes(either.status), either.body);
    } finally {
      await gateway.close(100);
      early.closeAllConnections();
      early.close();
    }
  });

  test('an unreachable upstream: 502 once the body is in', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const lonely = await startGateway({ config: testConfig({}, `http://127.0.0.1:${port}`) });
    try {
      const res = await within(post(lonely, [bigMessage(400_000)]), 'the exchange');
      assert.equal(res.status, 502);
      assert.match(res.body, /could not reach/);
    } finally {
      await lonely.close(100);
    }
  });
});

describe('streamBody on its own', () => {
  /** streamBody on a stand-in request that has been sent every byte of `body`, its end not yet. */
  const fed = (body: Buffer) => {
    const req = Object.assign(new PassThrough(), {
      headers: { 'content-length': String(body.length) },
    }) as unknown as IncomingMessage & PassThrough;
    const streamed = streamBody(req, 32 << 20, () => {})!;
    assert.ok(streamed);
    for (let at = 0; at < body.length; at += 65_536) req.write(body.subarray(at, at + 65_536));
    return { req, streamed };
  };

  test('a JSON body goes on whole, its last byte with its last chunk, and is judged after', async () => {
    const body = bigMessage(300_000);
    // Every byte written, the end not signalled: the whole body and the verdict come all the same.
    const { req, streamed } = fed(body);
    let taken = 0;
    streamed.body.on('data', (chunk: Buffer) => (taken += chunk.length));
    const ended = new Promise((resolve) => streamed.body.on('end', resolve));
    assert.equal((await within(streamed.verdict, 'the verdict')).model, 'claude-streamed-1');
    // Every byte went on before the verdict; only the stream's end waited for it.
    assert.equal(taken, body.length);
    await within(ended, "the body's end");
    req.end();
  });

  test('an upstream side that does not read yet leaves the client going; the body waits whole', async () => {
    // undici reads the stream only on the next turn: pausing the client meanwhile cost the
    // first event a round of pause and resume. The body is at most the scanner's 1 MiB.
    const body = bigMessage(600_000);
    const { req, streamed } = fed(body);
    req.end();
    await new Promise((r) => setImmediate(r));
    assert.ok(!req.isPaused(), 'nobody reads what goes upstream yet: the client goes on all the same');
    // The whole body, its last byte too, and the verdict without waiting for a reader.
    assert.equal(streamed.body.readableLength, body.length);
    assert.equal((await within(streamed.verdict, 'the verdict')).model, 'claude-streamed-1');
    assert.ok((await buffer(streamed.body)).equals(body));
  });

  test('a body nobody will take (the upstream request failed) is judged all the same', async () => {
    const body = bigMessage(300_000);
    const { req, streamed } = fed(body);
    req.end();
    streamed.abandon();
    assert.equal((await within(streamed.verdict, 'the verdict')).model, 'claude-streamed-1');
  });
});
