/**
 * Opens a file as a stream of decompressed bytes and reads its head for sniffing, without ever
 * holding more than the head and one chunk. A plain file is read with one read always in flight
 * into two reused buffers (the next chunk is read from disk while this one is scanned, and no
 * megabyte buffer is allocated per chunk, nor per file: see `spare`); gzip (magic 1f 8b) is
 * inflated through a zlib stream.
 *
 * A chunk is only valid until the consumer asks for the next one: the buffer it lives in is
 * then refilled. Whoever keeps bytes across chunks copies them (the line splitter and the
 * element reader copy their unfinished tail; the document reader copies its parts).
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

const HEAD_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Chunk buffers of files this thread has finished, for the next file. A fresh 1 MiB buffer per
 * chunk slot per file is memory the kernel maps and zeroes anew and that V8 counts as external
 * memory (which hastens full collections): on 210 MB in 100 files, 200 MB of it. A file hands
 * its buffers back once its last read has settled and its consumer is done with them (the
 * consumer asked for the next chunk, or stopped).
 */
const spare: Buffer[] = [];
const SPARE_MAX = 4;

function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
}

function giveBack(buf: Buffer): void {
  if (spare.length < SPARE_MAX && !spare.includes(buf)) spare.push(buf);
}

export interface Source {
  /**
   * The first bytes of the (decompressed) content, at most 64 KiB unless the first chunk is
   * bigger. Valid until the chunks are read (it is the first chunk's buffer).
   */
  head: Buffer;
  /** Whether `head` is the whole content. */
  complete: boolean;
  gzip: boolean;
  /** All the (decompressed) content, head included, chunk by chunk. */
  chunks: AsyncIterable<Buffer>;
  /** Stops reading early (the consumer gave up on the file). */
  close(): void;
}

/**
 * @param onRawBytes called with each chunk's size as read from disk (compressed size for gzip),
 *   which is what progress and throughput count.
 */
export async function openSource(file: string, onRawBytes?: (n: number) => void): Promise<Source> {
  const fh = await open(file, 'r');
  let first: Buffer;
  let filled = 0;
  let ended = false;
  try {
    first = takeBuffer();
    while (filled < HEAD_BYTES) {
      const { bytesRead } = await fh.read(first, filled, CHUNK_BYTES - filled, null);
      if (bytesRead === 0) {
        ended = true;
        break;
      }
      filled += bytesRead;
    }
  } catch (err) {
    await fh.close();
    throw err;
  }
  if (filled >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
    await fh.close();
    giveBack(first);
    return openGzip(file, onRawBytes);
  }
  if (filled > 0) onRawBytes?.(filled);
  return plainSource(fh, first, filled, ended, onRawBytes);
}

function plainSource(
  fh: FileHandle,
  first: Buffer,
  filled: number,
  ended: boolean,
  onRawBytes: ((n: number) => void) | undefined,
): Source {
  const buffers = [first, ended ? first : takeBuffer()];
  let pending: Promise<number> | undefined;
  let closed = false;
  const readInto = (buf: Buffer): Promise<number> =>
    fh.read(buf, 0, CHUNK_BYTES, null).then((r) => r.bytesRead);
  const close = (): void => {
    if (closed) return;
    closed = true;
    // A read still in flight finishes (or fails) before the descriptor is released.
    const inFlight = pending ?? Promise.resolve(0);
    pending = undefined;
    void inFlight
      .catch(() => 0)
      .then(() => {
        for (const buf of buffers) giveBack(buf);
        return fh.close().catch(() => undefined);
      });
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      if (filled === 0) return;
      // Start reading the second chunk before the first is handed over.
      if (!ended) pending = readInto(buffers[1]!);
      yield first.subarray(0, filled);
      let current = 1;
      while (pending !== undefined) {
        const n = await pending;
        pending = undefined;
        if (n === 0) break;
        const buf = buffers[current]!;
        current ^= 1;
        // The consumer asked for this chunk, so it is done with the other buffer: refill it.
        pending = readInto(buffers[current]!);
        onRawBytes?.(n);
        yield buf.subarray(0, n);
      }
    } finally {
      // Also runs when the consumer stops early: release the file descriptor now.
      close();
    }
  }
  return { head: first.subarray(0, filled), complete: ended, gzip: false, chunks: chunks(), close };
}

async function openGzip(file: string, onRawBytes?: (n: number) => void): Promise<Source> {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (onRawBytes) raw.on('data', (chunk) => onRawBytes(chunk.length));
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  // A gzip error (truncated archive) surfaces on the gunzip stream, which the consumer iterates.
  raw.on('error', (err) => gunzip.destroy(err));
  const stream: Readable = raw.pipe(gunzip);
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const close = (): void => {
    raw.destroy();
    stream.destroy();
  };
  const buffered: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  // An archive cut short within its first 64 KiB still gives what inflated before the cut: it is
  // sniffed and scanned, and the error comes after it, as it does for a cut further in.
  let cut: { error: unknown } | undefined;
  try {
    while (headLength < HEAD_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      buffered.push(next.value);
      headLength += next.value.length;
    }
  } catch (error) {
    if (headLength === 0) {
      // Nothing inflated before the error (a bad or cut header): nothing to scan, so unreadable.
      close();
      throw error;
    }
    cut = { error };
  }
  const head = Buffer.concat(buffered);
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (cut) throw cut.error;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      close();
    }
  }
  return { head, complete: ended, gzip: true, chunks: chunks(), close };
}
