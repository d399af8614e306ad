/**
 * Opens a file as a stream of decompressed bytes and reads its head for sniffing, without ever
 * holding more than the head and one chunk: gzip (magic 1f 8b) is inflated through a zlib
 * stream, everything else is read as is.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

const HEAD_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;

export interface Source {
  /** The first bytes of the (decompressed) content, at most 64 KiB unless the first chunk is bigger. */
  head: Buffer;
  /** Whether `head` is the whole content. */
  complete: boolean;
  gzip: boolean;
  /** All the (decompressed) content, head included, chunk by chunk. */
  chunks: AsyncIterable<Buffer>;
  /** Stops reading early (the consumer gave up on the file). */
  close(): void;
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * @param onRawBytes called with each chunk's size as read from disk (compressed size for gzip),
 *   which is what progress and throughput count.
 */
export async function openSource(file: string, onRawBytes?: (n: number) => void): Promise<Source> {
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (onRawBytes) raw.on('data', (chunk) => onRawBytes(chunk.length));
  let stream: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    // A gzip error (truncated archive) surfaces on the gunzip stream, which the consumer iterates.
    raw.on('error', (err) => gunzip.destroy(err));
    stream = raw.pipe(gunzip);
  }
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const buffered: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    buffered.push(next.value);
    headLength += next.value.length;
  }
  const head = Buffer.concat(buffered);
  const close = (): void => {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Also runs when the consumer stops early: release the file descriptor now.
      close();
    }
  }
  return {
    head,
    complete: ended,
    gzip,
    chunks: chunks(),
    close,
  };
}
