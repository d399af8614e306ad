/**
 * The line splitter and the element reader hand over what one chunk holds in several batches
 * (so that each line or element dies young), while the chunk's buffer is still valid: with a
 * source that refills one buffer for every chunk, as the file reader does, every line and
 * element must come out exactly as written, however many batches a chunk gives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamArrayElements } from '../../src/scan/readers/json-elements.js';
import { splitLines } from '../../src/scan/readers/lines.js';

/** Chunks of `size` bytes, all in one reused buffer (overwritten when the next is asked for). */
async function* reusedBuffer(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < bytes.length; i += size) {
    const n = bytes.copy(buf, 0, i, i + size);
    yield buf.subarray(0, n);
    buf.fill(0x21);
  }
}

const record = (i: number): Record<string, unknown> => ({
  type: 'user',
  uuid: `u${i}`,
  message: { role: 'user', content: `line ${i}: ${'x'.repeat(500 + ((i * 7919) % 3000))} é "q" \\ end` },
});

describe('batches within a chunk', () => {
  it('splitLines gives every line of a 1 MB chunk intact, in several batches', async () => {
    const lines = Array.from({ length: 600 }, (_, i) => JSON.stringify(record(i)));
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    for (const size of [1024 * 1024, 100_000, 777]) {
      const got: string[] = [];
      let batches = 0;
      for await (const batch of splitLines(reusedBuffer(bytes, size), 1 << 20)) {
        batches += 1;
        for (const line of batch.lines) {
          assert.equal(line.number, got.length + 1);
          got.push(line.text);
        }
      }
      assert.deepEqual(got, lines, `chunks of ${size}`);
      if (size === 1024 * 1024) assert.ok(batches > 10, `one chunk gave ${batches} batches`);
    }
  });

  it('streamArrayElements gives every element of a 1 MB chunk intact, in several batches', async () => {
    const entries = Array.from({ length: 600 }, (_, i) => record(i));
    const bytes = Buffer.from(JSON.stringify({ log: { version: '1.2', entries } }, null, 1));
    for (const size of [1024 * 1024, 100_000, 777]) {
      const got: unknown[] = [];
      let batches = 0;
      for await (const events of streamArrayElements(
        reusedBuffer(bytes, size),
        ['log', 'entries'],
        1 << 20,
      )) {
        batches += 1;
        for (const ev of events) {
          assert.equal(ev.kind, 'element');
          if (ev.kind === 'element') {
            assert.equal(ev.index, got.length);
            got.push(ev.value);
          }
        }
      }
      assert.deepEqual(got, entries, `chunks of ${size}`);
      if (size === 1024 * 1024) assert.ok(batches > 10, `one chunk gave ${batches} batches`);
    }
  });
});
