/**
 * Gemini's :streamGenerateContent without alt=sse answers one JSON array over time: restored
 * element by element, however the bytes are cut, and sent on without waiting for the end.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { gemini } from '../../src/dialects/gemini.js';
import { JsonArrayStreamRestorer } from '../../src/gateway/json-array-stream.js';
import { createRestorer } from '../../src/redact/restore.js';

const ENTRIES = [
  { surrogate: '/home/user/project-3', original: '/home/alice/acme-api', secret: false },
  { surrogate: 'user@example.com', original: 'alice@acme.dev', secret: false },
];

interface Chunk {
  candidates: {
    content: { role: string; parts: Record<string, unknown>[] };
    finishReason?: string;
    index: number;
  }[];
}

function textChunk(text: string, finish = false): Chunk {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ text }] },
        index: 0,
        ...(finish ? { finishReason: 'STOP' } : {}),
      },
    ],
  };
}

function callChunk(args: Record<string, unknown>): Chunk {
  return {
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'read', args } }] }, index: 0 }],
  };
}

/** The array as Gemini writes it: `[`, elements joined by `,\r\n`, `]`; pretty-printed or not. */
function arrayText(chunks: Chunk[], pretty: boolean): Buffer {
  const elements = chunks.map((c) => JSON.stringify(c, null, pretty ? 2 : undefined));
  return Buffer.from(`[${elements.join(',\r\n')}]`);
}

function restorer(): JsonArrayStreamRestorer {
  const r = createRestorer(gemini, ENTRIES, { secretsInToolCalls: true })!;
  return new JsonArrayStreamRestorer(r.stream(), (body) => {
    const answer: unknown = JSON.parse(body.toString('utf8'));
    r.json(answer);
    return Buffer.from(JSON.stringify(answer));
  });
}

/** Feeds `bytes` cut at `cuts`; returns each push's output and the end's. */
function feed(bytes: Buffer, cuts: number[]): { pushes: Buffer[]; out: Buffer } {
  const r = restorer();
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pushes: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) pushes.push(r.push(bytes.subarray(at, p)));
    at = Math.max(at, p);
  }
  const tail = r.end();
  return { pushes, out: Buffer.concat([...pushes, tail]) };
}

function texts(out: Buffer): { text: string; args: unknown[] } {
  const array = JSON.parse(out.toString('utf8')) as Chunk[];
  let text = '';
  const args: unknown[] = [];
  for (const c of array)
    for (const p of c.candidates[0]?.content.parts ?? []) {
      if (typeof p.text === 'string') text += p.text;
      if (p.functionCall) args.push((p.functionCall as { args: unknown }).args);
    }
  return { text, args };
}

const ANSWER = [
  textChunk('Your project is at /home/us'),
  textChunk('er/project-3 and the owner is user@exa'),
  textChunk('mple.com; nothing else.'),
  callChunk({ path: '/home/user/project-3/.env', lines: 3 }),
  textChunk(' Done: /home/user/proj'),
  textChunk('ect-3', true),
];
const RESTORED_TEXT =
  'Your project is at /home/alice/acme-api and the owner is alice@acme.dev; nothing else. Done: /home/alice/acme-api';

describe('a JSON-array stream restored element by element', () => {
  test('surrogates split across elements come back, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }), (pretty, cuts) => {
        const { out } = feed(arrayText(ANSWER, pretty), cuts);
        const got = texts(out);
        assert.equal(got.text, RESTORED_TEXT);
        assert.deepEqual(got.args, [{ path: '/home/alice/acme-api/.env', lines: 3 }]);
      }),
      { numRuns: 400 },
    );
  });

  test('an element that cannot hold a surrogate goes on at once, byte for byte', () => {
    const plain = [textChunk('Hello there, '), textChunk('nothing to see here.'), textChunk('Bye.', true)];
    const bytes = arrayText(plain, true);
    const first = bytes.indexOf(',\r\n');
    const { pushes, out } = feed(bytes, [first]);
    // The first push held the opening bracket and the whole first element: all of it went out.
    assert.equal(pushes[0]!.toString(), bytes.subarray(0, first).toString());
    assert.ok(out.equals(bytes));
  });

  test('a stream that breaks off mid-element: what arrived, then what was held', () => {
    const bytes = arrayText([textChunk('at /home/us'), textChunk('er/project-3 ok')], false);
    const cut = bytes.length - 10;
    const r = restorer();
    const sent = Buffer.concat([r.push(bytes.subarray(0, cut)), r.end()]).toString();
    assert.ok(sent.startsWith('[{"candidates"'));
    assert.ok(sent.includes('/home/us'), sent);
  });

  test('an answer that is not an array is restored whole', () => {
    const one = Buffer.from(JSON.stringify(textChunk('see /home/user/project-3', true)));
    const { pushes, out } = feed(one, [5, 17]);
    assert.ok(pushes.every((p) => p.length === 0));
    assert.equal(texts(Buffer.from(`[${out.toString()}]`)).text, 'see /home/alice/acme-api');
  });
});
