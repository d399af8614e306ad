/**
 * The byte source reuses the chunk buffers of a finished file for the next one: whatever the
 * order files are opened, read whole, stopped early, read two at a time or closed unread, each
 * file's chunks carry its own bytes. (That a stopped file's last read settles before its buffers
 * go back is not forced here: on a page-cached file that read is over before the next open.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openSource, type Source } from '../../src/scan/readers/source.js';
import { tempDir } from './helpers/run.js';

/** Reads a source to its end (or `limit` chunks), copying each chunk before asking for the next. */
async function readAll(source: Source, limit = Infinity): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source.chunks) {
    parts.push(Buffer.from(chunk));
    if (parts.length >= limit) break;
  }
  return Buffer.concat(parts);
}

describe('openSource', () => {
  it('gives every file its own bytes while chunk buffers pass from file to file', async () => {
    const dir = await tempDir();
    // Sizes around the 64 KiB head and the 1 MiB chunk, and several chunks long.
    const sizes = [0, 10, 65_536, 1_048_575, 1_048_577, 3_500_000, 2_097_152, 700_000];
    const files: { file: string; bytes: Buffer }[] = [];
    for (const [k, size] of sizes.entries()) {
      const file = path.join(dir, `f${k}.bin`);
      const bytes = randomBytes(size);
      await writeFile(file, bytes);
      files.push({ file, bytes });
    }
    for (let round = 0; round < 3; round += 1) {
      for (const { file, bytes } of files) {
        // Stopped after one chunk, then read again whole: the stopped file's buffers are reused.
        await readAll(await openSource(file), 1);
        assert.ok((await readAll(await openSource(file))).equals(bytes), file);
      }
      // Two files read at once, chunk by chunk in turn: neither sees the other's bytes.
      const a = files[5]!;
      const b = files[6]!;
      const [sa, sb] = [await openSource(a.file), await openSource(b.file)];
      const [ia, ib] = [sa.chunks[Symbol.asyncIterator](), sb.chunks[Symbol.asyncIterator]()];
      const got: Buffer[][] = [[], []];
      for (let done = [false, false]; !done[0] || !done[1];) {
        for (const [k, it] of [ia, ib].entries()) {
          if (done[k]) continue;
          const next = await it.next();
          if (next.done) done[k] = true;
          else got[k]!.push(Buffer.from(next.value));
        }
      }
      assert.ok(Buffer.concat(got[0]!).equals(a.bytes));
      assert.ok(Buffer.concat(got[1]!).equals(b.bytes));
      // Opened and closed without reading (a binary file, say): its buffers go back too.
      (await openSource(files[3]!.file)).close();
    }
  });

  it('a gzip cut before 64 KiB inflate: the head holds what inflated, then the chunks end in the error', async () => {
    const dir = await tempDir();
    const content = Buffer.from(randomBytes(50_000).toString('hex'));
    const gz = gzipSync(content);
    const file = path.join(dir, 'cut.gz');
    await writeFile(file, gz.subarray(0, Math.floor(gz.length / 4)));
    const source = await openSource(file);
    assert.equal(source.gzip, true);
    assert.equal(source.complete, false);
    assert.ok(source.head.length > 10_000 && source.head.length < 64 * 1024, `${source.head.length}`);
    assert.ok(content.subarray(0, source.head.length).equals(source.head));
    const read: Buffer[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of source.chunks) read.push(Buffer.from(chunk));
      })(),
      { code: 'Z_BUF_ERROR' },
    );
    assert.ok(Buffer.concat(read).equals(source.head));

    // Cut inside the gzip header: nothing inflated, nothing to scan.
    const header = path.join(dir, 'header.gz');
    await writeFile(header, gz.subarray(0, 6));
    await assert.rejects(openSource(header), { code: 'Z_BUF_ERROR' });
  });
});
