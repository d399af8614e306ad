/**
 * The gateway without an inspector sends a large body upstream while it arrives, holding back its
 * last piece until the whole body is checked: the upstream never gets a complete body the
 * gateway refuses, and every failure on either side ends the exchange as the buffered path does.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Exchange } from '../../src/gateway/exchange.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { testConfig } from '../helpers/stack.js';

/** What the upstream saw of one request. */
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  bytes: Buffer;
  /** The body arrived whole (its framing ended). */
  complete: boolean;
  /** Resolves once the request is over on the upstream's side, complete or cut. */
  over: Promise<void>;
  /** Resolves at the first body byte. */
  started: Promise<void>;
}

type Answer = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/** By default the upstream reads the whole body, then answers a small JSON. */
const readThenAnswer: Answer = (req, res) => {
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
};

let answer: Answer = readThenAnswer;
const seen: Seen[] = [];
const upstream = createServer((req, res) => {
  let over!: () => void;
  let started!: () => void;
  const s: Seen = {
    path: req.url ?? '',
    headers: req.headers,
    bytes: Buffer.alloc(0),
    complete: false,
    over: new Promise((r) => (over = r)),
    started: new Promise((r) => (started = r)),
  };
  seen.push(s);
  const parts: Buffer[] = [];
  req.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    started();
  });
  req.on('end', () => {
    s.complete = true;
    s.bytes = Buffer.concat(parts);
  });
  req.on('close', () => {
    s.bytes = Buffer.concat(parts);
    over();
  });
  answer(req, res, s);
});

let gw: Gateway;
const exchanges: Exchange[] = [];
const LIMIT = 4 * 1024 * 1024;

before(async () => {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startGateway({
    config: testConfig({ limits: { max_body: LIMIT } }, url),
    onExchange: (ex) => exchanges.push(ex),
  });
});

after(async () => {
  await gw.close(100);
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

function reset(next: Answer = readThenAnswer): void {
  answer = next;
  seen.length = 0;
  exchanges.length = 0;
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/**
 * Sends `pieces` one write at a time, a macrotask apart (so the gateway reads them apart), with
 * a content-length or chunked. `between(i)` runs before piece i; `cut` ends the upload by
 * destroying the connection before piece `cut`.
 */
function send(
  path: string,
  pieces: Buffer[],
  opts: { chunked?: boolean; between?: (i: number) => Promise<void>; cut?: number } = {},
): Promise<Reply> {
  const length = pieces.reduce((n, p) => n + p.length, 0);
  return new Promise<Reply>((resolve, reject) => {
    const req = request(`${gw.url}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'k',
        ...(opts.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(length) }),
      },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) =>
      opts.cut !== undefined ? resolve({ status: 0, headers: {}, text: '' }) : reject(err),
    );
    void (async () => {
      for (let i = 0; i < pieces.length; i++) {
        await opts.between?.(i);
        if (i === opts.cut) {
          req.destroy();
          return;
        }
        if (req.destroyed) return;
        await new Promise<void>((r) => req.write(pieces[i], () => r()));
        await new Promise((r) => setTimeout(r, 1));
      }
      req.end();
    })().catch(reject);
  });
}

/** `body` in `count` pieces of about equal size. */
function split(body: Buffer, count: number): Buffer[] {
  const size = Math.ceil(body.length / count);
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) pieces.push(body.subarray(at, at + size));
  return pieces;
}

/** A real-shaped request of about `size` bytes, with non-ASCII text and escapes. */
function bigRequest(size: number, model = 'claude-sonnet-4-5'): Buffer {
  const turn = 'Lies die Datei „src/main.ts“ — und prüfe\n\t"quoted" \\ path C:\\tmp ✓ ';
  const messages: { role: string; content: string }[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const content = `${i}: ${turn.repeat(40)}`;
    messages.push({ role: i % 2 ? 'assistant' : 'user', content });
    total += Buffer.byteLength(content) + 40;
  }
  return Buffer.from(JSON.stringify({ model, max_tokens: 64, messages }));
}

describe('a large body without an inspector', () => {
  test('arrives upstream byte for byte, with its framing, and is sent while it arrives', async () => {
    const body = bigRequest(3_000_000);
    for (const chunked of [false, true]) {
      reset();
      const pieces = split(body, 40);
      const reply = await send('/anthropic/v1/messages?beta=true', pieces, {
        chunked,
        // The upstream has bytes of the body before the client sent its last piece.
        between: async (i) => {
          if (i === pieces.length - 1) await seen[0]!.started;
        },
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, '{"ok":true}');
      const got = seen[0]!;
      await got.over;
      assert.equal(got.path, '/v1/messages?beta=true');
      assert.ok(got.complete);
      assert.ok(got.bytes.equals(body), 'the body arrives unchanged');
      if (chunked) {
        assert.equal(got.headers['transfer-encoding'], 'chunked');
        assert.equal(got.headers['content-length'], undefined);
      } else {
        assert.equal(got.headers['content-length'], String(body.length));
      }
      assert.equal(exchanges.length, 1);
      assert.equal(exchanges[0]!.bytesIn, body.length);
      assert.equal(exchanges[0]!.model, 'claude-sonnet-4-5');
      assert.equal(exchanges[0]!.status, 200);
    }
  });

  test('malformed JSON in many pieces: no complete request upstream, 400 in each provider shape', async () => {
    const good = bigRequest(600_000);
    const cases: [string, Buffer, (text: string) => void][] = [
      [
        '/anthropic/v1/messages',
        // Broken at the very end: everything before it is valid JSON.
        Buffer.concat([good.subarray(0, -1), Buffer.from(',}')]),
        (text) => {
          const b = JSON.parse(text) as { type: string; error: { type: string; message: string } };
          assert.equal(b.type, 'error');
          assert.equal(b.error.type, 'invalid_request_error');
        },
      ],
      [
        '/anthropic/v1/messages',
        // Cut short: every piece reads as JSON so far; only the end of the body shows it is not.
        good.subarray(0, -1),
        (text) => {
          const b = JSON.parse(text) as { type: string; error: { type: string } };
          assert.deepEqual([b.type, b.error.type], ['error', 'invalid_request_error']);
        },
      ],
      [
        '/openai/v1/chat/completions',
        // Broken in the middle: the upstream request is cut there.
        Buffer.concat([good.subarray(0, 200_000), Buffer.from('\u0001'), good.subarray(200_000)]),
        (text) => {
          const b = JSON.parse(text) as { error: { code: string; type: string } };
          assert.deepEqual([b.error.code, b.error.type], ['AIRLOCK_BAD_JSON', 'invalid_request_error']);
        },
      ],
      [
        '/gemini/v1beta/models/gemini-2.5-pro:generateContent',
        // A complete JSON value, then more.
        Buffer.concat([good, Buffer.from(' {}')]),
        (text) => {
          const b = JSON.parse(text) as { error: { code: number; status: string } };
          assert.deepEqual([b.error.code, b.error.status], [400, 'INVALID_ARGUMENT']);
        },
      ],
    ];
    for (const chunked of [false, true]) {
      for (const [path, body, shape] of cases) {
        reset();
        const reply = await send(path, split(body, 50), { chunked });
        assert.equal(reply.status, 400, path);
        assert.equal(reply.headers['x-airlock-error'], 'AIRLOCK_BAD_JSON');
        shape(reply.text);
        // JSON.parse's own message, as when the body is read first.
        assert.match(JSON.parse(reply.text).error.message as string, /JSON|Unexpected|position/);
        for (const s of seen) {
          await s.over;
          assert.equal(s.complete, false, `${path}: the upstream never had a whole body`);
          assert.ok(s.bytes.length < body.length);
        }
        assert.equal(exchanges[0]?.status, 400);
      }
    }
  });

  test('over the limit while it arrives (chunked): 413, the upstream request cut', async () => {
    reset();
    const body = bigRequest(LIMIT + 500_000);
    const reply = await send('/anthropic/v1/messages', split(body, 60), { chunked: true });
    assert.equal(reply.status, 413);
    const b = JSON.parse(reply.text) as { type: string; error: { type: string } };
    assert.deepEqual([b.type, b.error.type], ['error', 'request_too_large']);
    for (const s of seen) {
      await s.over;
      assert.equal(s.complete, false);
    }
  });

  test('two bodies arriving interleaved are each checked on their own', async () => {
    reset();
    const good = bigRequest(500_000, 'model-a');
    const bad = Buffer.concat([bigRequest(500_000, 'model-b').subarray(0, -1), Buffer.from(']')]);
    // Sent at the same time, a millisecond between pieces: the gateway reads them alternately.
    const [a, b] = await Promise.all([
      send('/anthropic/v1/messages', split(good, 30)),
      send('/anthropic/v1/messages', split(bad, 30), { chunked: true }),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 400);
    await Promise.all(seen.map((s) => s.over));
    const whole = seen.filter((s) => s.complete);
    assert.equal(whole.length, 1);
    assert.ok(whole[0]!.bytes.equals(good));
    assert.deepEqual(exchanges.map((e) => [e.status, e.model]).sort(), [
      [200, 'model-a'],
      [400, undefined],
    ]);
  });

  test('the upstream answers before the body is in: the client gets that answer', async () => {
    for (const status of [401, 413]) {
      reset((req, res) => {
        // 401 at once, without reading; 413 after the first bytes, then the connection closes.
        const answerNow = () => {
          res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
          res.end(`{"type":"error","error":{"type":"early_${status}","message":"no"}}`);
        };
        if (status === 401) answerNow();
        else req.once('data', answerNow);
      });
      const body = bigRequest(2_000_000);
      const reply = await send('/anthropic/v1/messages', split(body, 40), { chunked: status === 413 });
      assert.equal(reply.status, status);
      assert.match(reply.text, new RegExp(`early_${status}`));
      while (exchanges.length === 0) await new Promise((r) => setTimeout(r, 5));
      assert.equal(exchanges[0]!.status, status);
    }
  });

  test('an unreachable upstream: the same 502 as for a body read first', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const other = await startGateway({ config: testConfig({}, `http://127.0.0.1:${port}`) });
    try {
      const body = bigRequest(300_000);
      const reply = await new Promise<Reply>((resolve, reject) => {
        const req = request(`${other.url}/anthropic/v1/messages`, {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
      assert.equal(reply.status, 502);
      const b = JSON.parse(reply.text) as { type: string; error: { type: string; message: string } };
      assert.equal(b.type, 'error');
      assert.equal(reply.headers['x-airlock-error'], 'AIRLOCK_UPSTREAM_UNREACHABLE');
      assert.match(b.error.message, /could not reach/);
    } finally {
      await other.close(100);
    }
  });

  test('a client that goes away during the upload aborts the upstream request', async () => {
    reset(() => {
      // Never answers: only the client's disconnect can end this request.
    });
    const body = bigRequest(1_000_000);
    const pieces = split(body, 20);
    await send('/anthropic/v1/messages', pieces, {
      cut: 10,
      between: async (i) => {
        if (i === 10) await seen[0]!.started;
      },
    });
    const got = seen[0]!;
    await got.over; // resolves only when the gateway dropped its upstream request
    assert.equal(got.complete, false);
    assert.ok(got.bytes.length < body.length);
    while (exchanges.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(exchanges[0]!.aborted, true);
  });
});
