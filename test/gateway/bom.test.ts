/**
 * A JSON body that begins with a UTF-8 byte order mark (RFC 8259 §8.1 lets a parser ignore it):
 * accepted, inspected as the JSON after it, and sent upstream as that JSON, with spaces where the
 * mark was; never a BOM the upstream could read otherwise, never past the inspector.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { blankBom } from '../../src/gateway/body.js';
import type { InspectRequest, Inspector } from '../../src/gateway/inspector.js';
import { STREAM_BODY_FROM } from '../../src/gateway/streamed-body.js';
import { startStack, type Stack } from '../helpers/stack.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MESSAGE = {
  model: 'claude-sonnet-4-5',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello' }],
};

function withBom(value: unknown): Buffer {
  return Buffer.concat([BOM, Buffer.from(JSON.stringify(value))]);
}

function post(stack: Stack, body: Buffer | ReadableStream, headers: Record<string, string> = {}) {
  return fetch(`${stack.via.anthropic}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

/** What the upstream got: three spaces, then exactly the JSON that followed the mark. */
function assertSentWithoutBom(stack: Stack, sent: unknown): void {
  const got = stack.sim.received.at(-1)!.body;
  assert.equal(got.subarray(0, 3).toString('latin1'), '   ');
  assert.deepEqual(JSON.parse(got.toString('utf8')), sent);
}

describe('without a policy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  test('a small body with a BOM is forwarded as the JSON after it', async () => {
    stack.sim.reset();
    const res = await post(stack, withBom(MESSAGE));
    assert.equal(res.status, 200, await res.clone().text());
    assertSentWithoutBom(stack, MESSAGE);
    assert.equal(stack.sim.received.at(-1)!.headers['content-length'], String(withBom(MESSAGE).length));
  });

  test('a body large enough to be forwarded while it arrives, with a BOM', async () => {
    stack.sim.reset();
    const big = { ...MESSAGE, messages: [{ role: 'user', content: 'x'.repeat(STREAM_BODY_FROM) }] };
    const res = await post(stack, withBom(big));
    assert.equal(res.status, 200, await res.clone().text());
    assertSentWithoutBom(stack, big);
  });

  test('a chunked body whose BOM is split over its first chunks', async () => {
    stack.sim.reset();
    const bytes = withBom(MESSAGE);
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        // One byte, then the rest, in separate writes.
        c.enqueue(bytes.subarray(0, 1));
        await new Promise((r) => setTimeout(r, 20));
        c.enqueue(bytes.subarray(1));
        c.close();
      },
    });
    const res = await post(stack, stream);
    assert.equal(res.status, 200, await res.clone().text());
    assertSentWithoutBom(stack, MESSAGE);
  });

  test('a gzip body whose decoded JSON begins with a BOM', async () => {
    stack.sim.reset();
    const res = await post(stack, await promisify(zlib.gzip)(withBom(MESSAGE)), {
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 200, await res.clone().text());
    assertSentWithoutBom(stack, MESSAGE);
  });

  test('a BOM anywhere but at the very start is still not JSON: 400, nothing forwarded', async () => {
    stack.sim.reset();
    const json = Buffer.from(JSON.stringify(MESSAGE));
    for (const body of [
      Buffer.concat([Buffer.from(' '), BOM, json]),
      Buffer.concat([BOM, BOM, json]),
      Buffer.concat([BOM.subarray(0, 2), json]),
    ]) {
      const res = await post(stack, body);
      assert.equal(res.status, 400, body.subarray(0, 8).toString('hex'));
      assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_BAD_JSON');
    }
    assert.equal(stack.sim.received.length, 0);
  });
});

describe('with an inspector', () => {
  let stack: Stack;
  const seen: InspectRequest[] = [];
  const inspector: Inspector = {
    inspect(req) {
      seen.push(req);
      const found = JSON.stringify(req.body).includes('AKIA');
      return found
        ? { action: 'block', message: 'aws key', summary: { findings: [], mode: 'enforce' } }
        : { action: 'forward', summary: { findings: [], mode: 'enforce' } };
    },
  };
  before(async () => {
    stack = await startStack({}, { inspector });
  });
  after(() => stack.close());

  test('the JSON after the BOM is what is inspected and what goes upstream', async () => {
    stack.sim.reset();
    const res = await post(stack, withBom(MESSAGE));
    assert.equal(res.status, 200, await res.clone().text());
    const inspected = seen.at(-1)!;
    assert.deepEqual(inspected.body, MESSAGE);
    assert.deepEqual(stack.sim.received.at(-1)!.body, inspected.raw);
    assertSentWithoutBom(stack, MESSAGE);
  });

  test('a secret behind a BOM is found like any other', async () => {
    stack.sim.reset();
    const res = await post(
      stack,
      withBom({ ...MESSAGE, messages: [{ role: 'user', content: 'AKIAIOSFODNN7EXAMPLE' }] }),
    );
    assert.equal(res.status, 403);
    assert.equal(stack.sim.received.length, 0);
  });
});

test('blankBom writes over the mark wherever the chunks split it, and over nothing else', () => {
  const split = [Buffer.from([0xef]), Buffer.from([0xbb, 0xbf, 0x7b]), Buffer.from('}')];
  assert.equal(blankBom(split), true);
  assert.equal(Buffer.concat(split).toString(), '   {}');
  for (const bytes of [Buffer.from('{}'), Buffer.from([0xef, 0xbb]), Buffer.from([0xef, 0xbb, 0xbe, 0x7b])]) {
    const before = Buffer.from(bytes);
    assert.equal(blankBom([bytes]), false);
    assert.deepEqual(bytes, before);
  }
  assert.equal(blankBom([]), false);
});
