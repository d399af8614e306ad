/** What the gateway answers to bad requests and failing upstreams, in each provider's shape. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, Socket, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { limitText } from '../../src/gateway/body.js';
import { answerClientError } from '../../src/gateway/client-error.js';
import { startGateway } from '../../src/gateway/server.js';
import { startStack, testConfig, type Stack } from '../helpers/stack.js';
import { httpAnswer } from '../helpers/http.js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotli = promisify(zlib.brotliCompress);

let stack: Stack;
before(async () => {
  stack = await startStack({}, { config: { limits: { max_body: '64KiB' }, timeouts: { headers_ms: 1500 } } });
});
after(() => stack.close());

const MESSAGE = {
  model: 'claude-sonnet-4-5',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello' }],
};

function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${stack.gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body,
  });
}

describe('request bodies', () => {
  test('over the limit: 413 in the Anthropic shape, naming the setting', async () => {
    const res = await post('/anthropic/v1/messages', JSON.stringify({ ...MESSAGE, pad: 'x'.repeat(70_000) }));
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_BODY_TOO_LARGE');
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'request_too_large');
    assert.match(body.error.message, /limits\.max_body/);
  });

  test('over the limit without content-length (chunked): still 413', async () => {
    const big = JSON.stringify({ ...MESSAGE, pad: 'x'.repeat(70_000) });
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await fetch(`${stack.gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
  });

  for (const [name, compress] of [
    ['gzip', gzip],
    ['deflate', deflate],
    ['br', brotli],
  ] as const) {
    test(`${name} bodies are decoded and forwarded as plain JSON`, async () => {
      stack.sim.reset();
      const res = await post('/anthropic/v1/messages', await compress(Buffer.from(JSON.stringify(MESSAGE))), {
        'content-encoding': name,
      });
      assert.equal(res.status, 200);
      const got = stack.sim.received.at(-1)!;
      assert.equal(got.headers['content-encoding'], undefined);
      assert.deepEqual(JSON.parse(got.body.toString()), MESSAGE);
    });
  }

  test('a decompression bomb gets 413, not an out-of-memory', async () => {
    const bomb = await gzip(Buffer.alloc(50 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 64 * 1024, 'the bomb itself is under the wire limit');
    const res = await post('/openai/v1/chat/completions', bomb, { 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'AIRLOCK_DECODED_TOO_LARGE');
  });

  test('corrupt gzip and unknown encodings are 400', async () => {
    let res = await post('/anthropic/v1/messages', Buffer.from('not gzip at all'), {
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_BAD_ENCODING');
    res = await post('/anthropic/v1/messages', JSON.stringify(MESSAGE), { 'content-encoding': 'lzma' });
    assert.equal(res.status, 400);
    const message = ((await res.json()) as { error: { message: string } }).error.message;
    // It names what this Node decodes (zstd only from Node 22.15), and no more.
    const decoded = [
      'gzip',
      'x-gzip',
      'deflate',
      'br',
      ...(typeof (zlib as { zstdDecompress?: unknown }).zstdDecompress === 'function' ? ['zstd'] : []),
    ];
    assert.match(message, new RegExp(`"lzma"; this gateway decodes ${decoded.join(', ')}\\)`));
  });

  test('malformed JSON on a JSON endpoint: 400 in each provider shape', async () => {
    let res = await post('/openai/v1/chat/completions', '{"model": "gpt-5", "messages": [');
    assert.equal(res.status, 400);
    const openai = (await res.json()) as { error: { code: string; type: string } };
    assert.deepEqual([openai.error.code, openai.error.type], ['AIRLOCK_BAD_JSON', 'invalid_request_error']);
    res = await post('/gemini/v1beta/models/gemini-2.5-pro:generateContent', 'nope');
    assert.equal(res.status, 400);
    const gemini = (await res.json()) as { error: { code: number; status: string } };
    assert.deepEqual([gemini.error.code, gemini.error.status], [400, 'INVALID_ARGUMENT']);
    res = await post('/anthropic/v1/messages', '');
    assert.equal(res.status, 400);
  });
});

describe('routes', () => {
  test('HEAD and GET on a base URL answer 200 without calling the upstream', async () => {
    stack.sim.reset();
    for (const path of ['/anthropic', '/anthropic/', '/openai', '/gemini']) {
      const res = await fetch(`${stack.gw.url}${path}`, { method: 'HEAD' });
      assert.equal(res.status, 200, path);
    }
    assert.equal(stack.sim.received.length, 0);
  });

  test('healthz', async () => {
    const res = await fetch(`${stack.gw.url}/healthz`);
    assert.equal(res.status, 200);
  });

  test('an unknown prefix is 404 with a hint', async () => {
    const res = await fetch(`${stack.gw.url}/v1/messages`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /\/anthropic/);
    assert.equal((await fetch(`${stack.gw.url}/anthropicx/v1/models`)).status, 404);
  });

  test('any method, path and query string under a prefix is forwarded', async () => {
    stack.sim.reset();
    await post('/anthropic/v1/messages?beta=true', JSON.stringify(MESSAGE));
    await fetch(`${stack.gw.url}/gemini/v1beta/models?pageSize=5&key=abc`);
    await fetch(`${stack.gw.url}/openai/v1/files/file-1`, { method: 'DELETE' });
    const paths = stack.sim.received.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(paths, [
      'POST /v1/messages?beta=true',
      'GET /v1beta/models?pageSize=5&key=abc',
      'DELETE /v1/files/file-1',
    ]);
  });

  test('hop-by-hop headers are not forwarded; others are', async () => {
    stack.sim.reset();
    // fetch() refuses to send Connection and Proxy-Authorization, so speak plain node:http.
    const { status } = await httpAnswer(
      `${stack.gw.url}/anthropic/v1/messages`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          connection: 'keep-alive, x-drop-me',
          'x-drop-me': '1',
          'proxy-authorization': 'Basic c2VjcmV0',
          'x-api-key': 'k',
          'anthropic-version': '2023-06-01',
          'anthropic-beta': 'tools-2024',
        },
      },
      (req) => req.end(JSON.stringify(MESSAGE)),
    );
    assert.equal(status, 200);
    const h = stack.sim.received.at(-1)!.headers;
    assert.equal(h['x-drop-me'], undefined);
    assert.equal(h['proxy-authorization'], undefined);
    assert.equal(h['anthropic-version'], '2023-06-01');
    assert.equal(h['anthropic-beta'], 'tools-2024');
    assert.equal(h['x-api-key'], 'k');
  });

  test('a WebSocket handshake gets a clear 400 in the provider shape and nothing goes upstream', async () => {
    stack.sim.reset();
    const answer = await httpAnswer(`${stack.gw.url}/openai/v1/responses`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_WEBSOCKET_UNSUPPORTED');
    const body = JSON.parse(answer.body) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /does not proxy WebSocket.*GET \/v1\/responses/);
    assert.equal(stack.sim.received.length, 0);
  });

  test('expect: 100-continue is answered by the gateway, not forwarded (curl sends it for large bodies)', async () => {
    stack.sim.reset();
    const body = JSON.stringify({ ...MESSAGE, pad: 'x'.repeat(2000) });
    const { status } = await httpAnswer(
      `${stack.gw.url}/anthropic/v1/messages`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
          'x-api-key': 'k',
          'anthropic-version': '2023-06-01',
        },
      },
      // The body goes only once the gateway said to go on.
      (req) => req.on('continue', () => req.end(body)),
    );
    assert.equal(status, 200);
    const received = stack.sim.received.at(-1)!;
    assert.equal(received.headers.expect, undefined);
    assert.equal((received.json as { pad: string }).pad.length, 2000);
  });
});

describe('upstream failures', () => {
  test('upstream error statuses and bodies pass through unchanged', async () => {
    stack.sim.setScript({ error: { status: 429, message: 'slow down', headers: { 'retry-after': '7' } } });
    try {
      const direct = await fetch(`${stack.sim.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify(MESSAGE),
      });
      const res = await post('/anthropic/v1/messages', JSON.stringify(MESSAGE));
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '7');
      const withoutRequestId = (t: string) => t.replace(/"request_id":"[^"]+"/, '');
      assert.equal(withoutRequestId(await res.text()), withoutRequestId(await direct.text()));
    } finally {
      stack.sim.setScript({ reply: [{ text: 'ok' }] });
    }
  });

  test('an upstream that never answers gets 504 after headers_ms', async () => {
    stack.sim.setScript({ hang: true });
    try {
      const res = await post('/openai/v1/chat/completions', JSON.stringify({ model: 'm', messages: [] }));
      assert.equal(res.status, 504);
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'AIRLOCK_UPSTREAM_TIMEOUT',
      );
    } finally {
      stack.sim.setScript({ reply: [{ text: 'ok' }] });
    }
  });

  test('an unreachable upstream gets 502 in the caller shape', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const gw = await startGateway({ config: testConfig({}, `http://127.0.0.1:${port}`) });
    try {
      const res = await fetch(`${gw.url}/gemini/v1beta/models/m:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"contents":[]}',
      });
      assert.equal(res.status, 502);
      const body = (await res.json()) as { error: { status: string; message: string } };
      assert.equal(body.error.status, 'INTERNAL');
      assert.match(body.error.message, /could not reach/);
    } finally {
      await gw.close(100);
    }
  });

  test('a stream that breaks off ends with the provider error event, not a 500', async () => {
    stack.sim.setScript({ reply: [{ text: 'one two three four five six seven' }], dropAfterEvents: 3 });
    try {
      const res = await post('/anthropic/v1/messages', JSON.stringify({ ...MESSAGE, stream: true }));
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /event: message_start/);
      assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    } finally {
      stack.sim.setScript({ reply: [{ text: 'ok' }] });
    }
  });
});

describe('another spelling of an inspected endpoint, without a policy too', () => {
  test('refused in the provider shape; the exact spelling and passthrough paths go on', async () => {
    stack.sim.reset();
    const { host, port } = stack.gw;
    const body = JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] });
    const send = (path: string) =>
      httpAnswer(
        { host, port, path, method: 'POST', headers: { 'content-type': 'application/json' } },
        {},
        (req) => req.end(body),
      );
    const refused = await send('/openai/v1/chat//completions');
    assert.equal(refused.status, 400);
    const error = (JSON.parse(refused.body) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'AIRLOCK_NONCANONICAL_PATH');
    assert.match(
      error.message,
      /^Request path \/openai\/v1\/chat\/\/completions refused: use \/openai\/v1\/chat\/completions\./,
    );
    assert.equal((await send('/openai/v1/chat/completions')).status, 200);
    // (`/v1/chat/completions/{id}` updates a stored completion's metadata: inspected since 2e25bb8.)
    await send('/openai/v1/fine_tuning//jobs');
    assert.deepEqual(
      stack.sim.received.map((r) => r.path),
      ['/v1/chat/completions', '/v1/fine_tuning//jobs'],
    );
  });
});

/** Writes `parts` to the gateway on a raw connection (a pause between them) and reads until it closes. */
function rawExchange(parts: (string | Buffer)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(stack.gw.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    void (async () => {
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
  });
}

function parseRaw(raw: string): { status: number; headers: Record<string, string>; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  assert.equal(Number(headers['content-length']), Buffer.byteLength(body, 'latin1'));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
}

describe('requests node:http cannot read', () => {
  test('headers over 64 KiB: 431 with a JSON body and x-airlock-error, the connection closed cleanly', async () => {
    stack.sim.reset();
    const answer = await httpAnswer(
      `${stack.gw.url}/anthropic/v1/messages`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-custom': 'a'.repeat(70_000) } },
      (req) => req.end(JSON.stringify(MESSAGE)),
    );
    assert.equal(answer.status, 431);
    assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_HEADERS_TOO_LARGE');
    assert.equal(answer.headers.connection, 'close');
    // Its request line came in an earlier read than the one that overflowed: the default shape.
    const body = JSON.parse(answer.body) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'request_too_large');
    assert.match(
      body.error.message,
      /headers are larger than the gateway accepts \(request line and headers over 64 KiB\)/,
    );
    assert.equal(stack.sim.received.length, 0);
  });

  test('headers over 64 KiB in more than 32 fields: 431 in the provider shape (node:http set the URL aside)', async () => {
    const fields = Array.from({ length: 40 }, (_, i) => `x-field-${i}: ${'b'.repeat(2000)}\r\n`).join('');
    const raw = await rawExchange([
      `POST /openai/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${fields}\r\n`,
    ]);
    const answer = parseRaw(raw);
    assert.equal(answer.status, 431);
    assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_HEADERS_TOO_LARGE');
    assert.equal((answer.body as { error: { code: string } }).error.code, 'AIRLOCK_HEADERS_TOO_LARGE');
  });

  test('a malformed head: 400 AIRLOCK_BAD_HTTP in the shape of the provider in the request line', async () => {
    const raw = await rawExchange([
      'POST /gemini/v1beta/models/m:generateContent HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: zz\r\n\r\n',
    ]);
    const answer = parseRaw(raw);
    assert.equal(answer.status, 400);
    assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_BAD_HTTP');
    const error = (answer.body as { error: { code: number; status: string; message: string } }).error;
    assert.deepEqual([error.code, error.status], [400, 'INVALID_ARGUMENT']);
    assert.match(error.message, /not valid HTTP\/1\.1 \(HPE_INVALID_CONTENT_LENGTH/);
  });

  test('a malformed chunked body: 400 in the shape of the provider of the request under way', async () => {
    stack.sim.reset();
    const raw = await rawExchange([
      'POST /openai/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
      '4\r\n{"mo\r\nzz\r\n',
    ]);
    const answer = parseRaw(raw);
    assert.equal(answer.status, 400);
    assert.equal((answer.body as { error: { code: string } }).error.code, 'AIRLOCK_BAD_HTTP');
    assert.equal(stack.sim.received.length, 0);
  });

  test('no route to be read: 400 in the gateway default shape', async () => {
    const answer = parseRaw(await rawExchange(['NOT HTTP AT ALL\r\n\r\n']));
    assert.equal(answer.status, 400);
    assert.equal(answer.headers['x-airlock-error'], 'AIRLOCK_BAD_HTTP');
    assert.equal((answer.body as { type: string }).type, 'error');
  });

  test('a destroyed or never connected socket is let go without a throw; the gateway goes on', async () => {
    const log = { warn: () => {}, debug: () => {} };
    const limits = { maxHeaderSize: 65536, headersTimeoutMs: 60_000 };
    const destroyed = new Socket();
    destroyed.destroy();
    const overflow = Object.assign(new Error('Parse Error'), { code: 'HPE_HEADER_OVERFLOW' });
    assert.doesNotThrow(() => answerClientError(overflow, destroyed, limits, log));
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    assert.doesNotThrow(() => answerClientError(reset, new Socket(), limits, log));
    const throwing = new Socket();
    throwing.end = () => {
      throw new Error('write after end');
    };
    Object.defineProperty(throwing, 'writable', { value: true });
    assert.doesNotThrow(() => answerClientError(overflow, throwing, limits, log));
    assert.ok(throwing.destroyed);
    assert.equal((await fetch(`${stack.gw.url}/healthz`)).status, 200);
  });
});

test('a byte limit reads in the unit it was likely set in, never as 0.0 MiB', () => {
  assert.deepEqual([32 * 1024 * 1024, 2048, 3000, 1024 * 1024 + 1].map(limitText), [
    '32 MiB',
    '2 KiB',
    '3000 bytes',
    '1.0 MiB (1048577 bytes)',
  ]);
});
