/**
 * An answer the gateway gives before a request's body is in (a body over limits.max_body, a
 * request refused unread) reaches clients that write their whole body before they read: Python's
 * urllib, curl without `Expect`. Closed at once, the connection was reset under
 * them (EPIPE, ECONNRESET) and they never saw the answer.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { LINGER_BYTES } from '../../src/gateway/linger.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { startStack, type Stack } from '../helpers/stack.js';

const gzip = promisify(zlib.gzip);

let stack: Stack;
before(async () => {
  stack = await startStack({}, { config: { limits: { max_body: '64KiB' } } });
});
after(() => stack.close());

/** Bodies a few MiB long: far more than the socket buffers on loopback hold, so a reset shows. */
const BIG = 8 * 1024 * 1024;

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import urllib.request']);
    return true;
  } catch {
    return false;
  }
})();

/**
 * POSTs with Python's urllib, which sends the whole body (and `connection: close`) before it reads
 * the answer. `body`: `size` spaces, sent with a content-length or, `chunked`, in 64 KiB chunks;
 * or the bytes of a file. Prints the status, then the answer's body.
 */
const URLLIB = `
import sys, urllib.request, urllib.error
url, kind, arg = sys.argv[1], sys.argv[2], sys.argv[3]
headers = {'content-type': 'application/json'}
if kind == 'chunked':
    data = (b' ' * 65536 for _ in range(int(arg) // 65536))
elif kind == 'file':
    data = open(arg, 'rb').read()
    headers['content-encoding'] = 'gzip'
else:
    data = b' ' * int(arg)
try:
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as r:
        status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
sys.stdout.write(str(status) + '\\n' + body.decode())
`;

async function urllibPost(path: string, kind: 'length' | 'chunked' | 'file', arg: string) {
  const { stdout } = await promisify(execFile)(
    'python3',
    ['-c', URLLIB, `${stack.gw.url}${path}`, kind, arg],
    {
      timeout: 60_000,
    },
  );
  const newline = stdout.indexOf('\n');
  return { status: Number(stdout.slice(0, newline)), body: JSON.parse(stdout.slice(newline + 1)) as unknown };
}

type AnthropicError = { type: string; error: { type: string; message: string } };

describe("a client that writes its whole body before it reads gets the gateway's answer", () => {
  test(
    'Python urllib, a body over the limit with a content-length: 413 in the provider shape',
    { skip: !hasPython },
    async () => {
      const answer = await urllibPost('/anthropic/v1/messages', 'length', String(BIG));
      assert.equal(answer.status, 413);
      const body = answer.body as AnthropicError;
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'request_too_large');
      assert.match(body.error.message, new RegExp(`${BIG} bytes > 64 KiB.*limits\\.max_body`));
    },
  );

  test(
    'Python urllib, a chunked body that goes over the limit: 413 in the provider shape',
    { skip: !hasPython },
    async () => {
      const answer = await urllibPost('/openai/v1/chat/completions', 'chunked', String(BIG));
      assert.equal(answer.status, 413);
      const body = answer.body as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'AIRLOCK_BODY_TOO_LARGE');
      assert.match(body.error.message, /more than 64 KiB/);
    },
  );

  test(
    'Python urllib, a decompression bomb under the wire limit: 413 AIRLOCK_DECODED_TOO_LARGE',
    { skip: !hasPython },
    async (t) => {
      const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const dir = await mkdtemp(join(tmpdir(), 'airlock-bomb-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 'bomb.gz');
      await writeFile(file, await gzip(Buffer.alloc(16 * 1024 * 1024, 0x20)));
      const answer = await urllibPost('/openai/v1/chat/completions', 'file', file);
      assert.equal(answer.status, 413);
      assert.equal((answer.body as { error: { code: string } }).error.code, 'AIRLOCK_DECODED_TOO_LARGE');
    },
  );

  test(
    'Python urllib, refused before routing (unknown route) with a big body: the 404 arrives',
    { skip: !hasPython },
    async () => {
      const answer = await urllibPost('/v1/messages', 'length', String(BIG));
      assert.equal(answer.status, 404);
      assert.match((answer.body as AnthropicError).error.message, /No provider route for \/v1\/messages/);
    },
  );

  test('a node:net client that reads only once its whole body is written: 413 in the provider shape', async () => {
    // node:http's own client reads the answer while it writes, and so got it even before.
    const socket = connect({ port: stack.gw.port, host: '127.0.0.1' });
    socket.pause();
    const answer = new Promise<string>((resolve, reject) => {
      let raw = '';
      socket.on('data', (c: Buffer) => (raw += c.toString('latin1')));
      socket.on('end', () => resolve(raw));
      socket.on('error', reject);
    });
    socket.write(
      `POST /gemini/v1beta/models/m:generateContent HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `content-type: application/json\r\nconnection: close\r\ncontent-length: ${BIG}\r\n\r\n`,
    );
    await new Promise<void>((resolve, reject) =>
      socket.write(Buffer.alloc(BIG, 0x20), (err) => (err ? reject(err) : resolve())),
    );
    socket.resume();
    const raw = await answer;
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 413 /);
    assert.match(head, /\r\nconnection: close\r\n/i);
    const error = (JSON.parse(body) as { error: { code: number; message: string } }).error;
    assert.equal(error.code, 413);
    assert.match(error.message, /limits\.max_body/);
  });
});

describe('the connection after such an answer', () => {
  test('is closed once the gateway has read and dropped its bound of what still comes', async () => {
    // Half-open: the gateway's FIN after its answer does not end the writing here.
    const socket = connect({ port: stack.gw.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    let closed = false;
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('close', () => (closed = true));
    const declared = 4 * LINGER_BYTES;
    socket.write(
      `POST /anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`,
    );
    // Written until the gateway cuts the connection; past its bound plus what socket buffers
    // hold, the test gives up.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let written = 0;
    while (!closed && written < LINGER_BYTES + 64 * 1024 * 1024) {
      written += chunk.length;
      if (!socket.write(chunk)) await new Promise((r) => (socket.once('drain', r), socket.once('close', r)));
    }
    socket.destroy();
    assert.ok(closed, `still open after ${written} bytes`);
    assert.match(answer, /^HTTP\/1\.1 413 [^]*\r\nconnection: close\r\n/i);
  });

  test('after headers over the limit (431) too, while the body still comes in over a while', async () => {
    // The body is written in pieces a tenth of a second apart, reading nothing until it is all
    // out: a client on a slow link. The gateway used to close one second after its answer.
    const socket = connect({ port: stack.gw.port, host: '127.0.0.1' });
    socket.pause();
    const answer = new Promise<string>((resolve, reject) => {
      let raw = '';
      socket.on('data', (c: Buffer) => (raw += c.toString('latin1')));
      socket.on('end', () => resolve(raw));
      socket.on('error', reject);
    });
    const pieces = 16;
    socket.write(
      `POST /anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(70_000)}\r\n` +
        `content-length: ${pieces * 65536}\r\n\r\n`,
    );
    for (let i = 0; i < pieces; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.write(Buffer.alloc(65536, 0x20), (err) => (err ? reject(err) : resolve())),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    socket.resume();
    assert.match(await answer, /^HTTP\/1\.1 431 [^]*\r\nx-airlock-error: AIRLOCK_HEADERS_TOO_LARGE\r\n/);
  });

  test('after a 431, closed once the gateway has read and dropped its bound', async () => {
    const socket = connect({ port: stack.gw.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.write(
      `POST /anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(70_000)}\r\n` +
        `content-length: ${4 * LINGER_BYTES}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let written = 0;
    while (!closed && written < LINGER_BYTES + 64 * 1024 * 1024) {
      written += chunk.length;
      if (!socket.write(chunk)) await new Promise((r) => (socket.once('drain', r), socket.once('close', r)));
    }
    socket.destroy();
    assert.ok(closed, `still open after ${written} bytes`);
  });
});

describe("the answers of the gateway's other routes, written before a body they do not read", () => {
  let whole: AirlockStack;
  before(async () => {
    whole = await startAirlockStack({});
  });
  after(() => whole.close());

  /**
   * What a client that writes its whole body (BIG bytes, then `connection: close`) before it reads
   * gets back, as raw HTTP; rejects when the connection was reset under it.
   */
  async function afterWholeBody(path: string, headers = ''): Promise<string> {
    const socket = connect({ port: whole.airlock.gateway.port, host: '127.0.0.1' });
    socket.pause();
    const answer = new Promise<string>((resolve, reject) => {
      let raw = '';
      socket.on('data', (c: Buffer) => (raw += c.toString('latin1')));
      socket.on('end', () => resolve(raw));
      socket.on('error', reject);
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${headers}` +
        `connection: close\r\ncontent-length: ${BIG}\r\n\r\n`,
    );
    await new Promise<void>((resolve, reject) =>
      socket.write(Buffer.alloc(BIG, 0x20), (err) => (err ? reject(err) : resolve())),
    );
    socket.resume();
    return answer;
  }

  test('POST /metrics: the 405 arrives', async () => {
    const raw = await afterWholeBody('/metrics');
    assert.match(raw, /^HTTP\/1\.1 405 [^]*\r\nallow: GET, HEAD\r\n[^]*\r\n\r\n[^]*method not allowed\n/i);
  });

  test("POST to a dashboard page and to its API: each one's 405 arrives", async () => {
    const auth = 'authorization: Bearer test-dashboard-token\r\n';
    assert.match(await afterWholeBody('/_airlock/', auth), /^HTTP\/1\.1 405 [^]*method not allowed\n$/);
    assert.match(
      await afterWholeBody('/_airlock/api/events', auth),
      /^HTTP\/1\.1 405 [^]*\{"error":"method not allowed"\}$/,
    );
  });

  test('POST to the dashboard signed out: the 401 arrives', async () => {
    assert.match(await afterWholeBody('/_airlock/api/events'), /^HTTP\/1\.1 401 [^]*unauthorized\n$/);
  });

  test('a sign-in over its size: the 413 arrives', async () => {
    assert.match(await afterWholeBody('/_airlock/login'), /^HTTP\/1\.1 413 [^]*too large\n$/);
  });

  test('POST /healthz: its answer arrives', async () => {
    assert.match(await afterWholeBody('/healthz'), /^HTTP\/1\.1 200 [^]*\{"status":"ok"\}$/);
  });
});
