/**
 * The `content-encoding` codings the gateway can undo, each whole (a request body, a collected
 * answer: with a cap on the output) and as a stream (an answer decoded as it arrives).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export interface Coding {
  /** Decodes a whole body; `maxOutputLength` caps what it may decode to. */
  whole(buf: Buffer, opts: zlib.ZlibOptions): Promise<Buffer>;
  /** A decoding stream. */
  stream(): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress;
}

const gzip: Coding = { whole: promisify(zlib.gunzip), stream: () => zlib.createGunzip() };

export const CODINGS: Record<string, Coding> = {
  gzip,
  'x-gzip': gzip,
  deflate: { whole: promisify(zlib.inflate), stream: () => zlib.createInflate() },
  br: {
    whole: promisify<Buffer, zlib.BrotliOptions, Buffer>(zlib.brotliDecompress) as Coding['whole'],
    stream: () => zlib.createBrotliDecompress(),
  },
};
// zstd arrived in node:zlib with Node 22.15; offer it where the runtime has it.
const zstd = zlib as unknown as {
  zstdDecompress?: typeof zlib.gunzip;
  createZstdDecompress?: Coding['stream'];
};
if (zstd.zstdDecompress && zstd.createZstdDecompress)
  CODINGS.zstd = { whole: promisify(zstd.zstdDecompress), stream: zstd.createZstdDecompress };

/** The codings of a `content-encoding` value, in the order they were applied. */
export function codingsOf(encoding: string): string[] {
  return encoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
}

/** Whether every coding of this `content-encoding` can be undone. */
export function canDecode(encoding: string): boolean {
  return codingsOf(encoding).every((c) => CODINGS[c] !== undefined);
}
