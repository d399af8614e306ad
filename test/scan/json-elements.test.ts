/**
 * The streaming element reader against JSON.parse: random documents with quotes, backslash
 * runs, nested JSON text and non-ASCII in keys and values, cut into chunks at random places
 * (down to one byte, so an escape is split across chunks), must give exactly the elements.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamArrayElements } from '../../src/scan/readers/json-elements.js';

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

describe('streamArrayElements', () => {
  it('gives the elements JSON.parse gives, however the bytes are chunked', async () => {
    const rnd = rng(7);
    const pieces = ['\\', '"', 'a', 'é', '\n', '{', '}', '[', ']', ',', ':', ' ', '\\\\', '\\"', 'x'];
    const str = (): string => {
      let s = '';
      for (let n = rnd(12); n > 0; n -= 1) s += pieces[rnd(pieces.length)]!;
      return s;
    };
    const value = (depth: number): unknown => {
      switch (rnd(depth > 3 ? 3 : 6)) {
        case 0:
          return str();
        case 1:
          return rnd(100);
        case 2:
          return null;
        case 3: {
          const o: Record<string, unknown> = {};
          for (let n = rnd(4); n > 0; n -= 1) o[str()] = value(depth + 1);
          return o;
        }
        case 4:
          return [value(depth + 1), value(depth + 1)];
        default:
          return JSON.stringify({ t: str(), u: [str()] });
      }
    };
    for (let iter = 0; iter < 500; iter += 1) {
      const entries = Array.from({ length: 1 + rnd(5) }, () => ({
        request: { postData: { text: JSON.stringify(value(0)) } },
        v: value(0),
        [str()]: str(),
      }));
      const doc = { log: { version: '1.2', [str()]: str(), entries } };
      const bytes = Buffer.from(rnd(2) ? JSON.stringify(doc) : JSON.stringify(doc, null, 2));
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length;) {
        const n = 1 + rnd(rnd(2) ? 5 : 200);
        chunks.push(Buffer.from(bytes.subarray(i, i + n)));
        i += n;
      }
      async function* source(): AsyncGenerator<Buffer> {
        yield* chunks;
      }
      const got: unknown[] = [];
      for await (const events of streamArrayElements(source(), ['log', 'entries'], 1e9)) {
        for (const ev of events) {
          if (ev.kind === 'element') got.push(ev.value);
          else assert.equal(ev.kind, 'root-field', JSON.stringify(ev));
        }
      }
      assert.deepEqual(got, entries);
    }
  });
});
