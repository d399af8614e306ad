/**
 * Reading a request body: a byte limit on the wire, and decompression with a cap on the
 * decoded size so that a decompression bomb is a 413, never an out-of-memory.
 */
import type { IncomingMessage } from 'node:http';
import { AirlockError } from '../errors.js';
import { CODINGS, codingsOf } from './codings.js';

/** A byte limit as the config writes it (`32 MiB`, `2 KiB`, `3000 bytes`): never `0.0 MiB`. */
export function limitText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB (${n} bytes)` : `${n} bytes`;
}

/** A body as it arrived: the chunks node:http handed over, in order. */
export interface BodyChunks {
  chunks: Buffer[];
  size: number;
}

/** Reads the whole body, refusing more than `limit` bytes as soon as they arrive. */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  onBytes?: (n: number) => void,
  idleMs?: number,
): Promise<Buffer> {
  return joinChunks(await readBodyChunks(req, limit, onBytes, idleMs));
}

/** The error for a request body that fell silent for `idleMs` before its end. */
export function bodyTimeout(idleMs: number): AirlockError {
  return new AirlockError(
    'AIRLOCK_BODY_TIMEOUT',
    `nothing more of it for ${idleMs / 1000} s (timeouts.body_idle_ms)`,
  );
}

/** The body's bytes in one buffer (the one chunk itself when there is only one). */
export function joinChunks({ chunks, size }: BodyChunks): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/**
 * Reads the whole body as its chunks, refusing more than `limit` bytes as soon as they arrive.
 * For a caller that can use them apart: joining them costs a buffer of the body's size, which
 * at a thousand requests a second makes the collector run for the memory outside its heap.
 */
export function readBodyChunks(
  req: IncomingMessage,
  limit: number,
  /** Told of each chunk as it arrives: what came is counted even when the body is refused or breaks off. */
  onBytes?: (n: number) => void,
  /**
   * Longest silence before the body's end (timeouts.body_idle_ms): past it the read is refused
   * with AIRLOCK_BODY_TIMEOUT, and what came of the body let go. Without it a client that sends
   * its headers and part of its body, then nothing, holds both for as long as it keeps the
   * connection open (node:http's requestTimeout is off: a large body may take long to arrive).
   */
  idleMs?: number,
): Promise<BodyChunks> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(
      new AirlockError('AIRLOCK_BODY_TOO_LARGE', `${declared} bytes > ${limitText(limit)}`),
    );
  }
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const idle =
      idleMs === undefined || req.complete
        ? undefined
        : setTimeout(() => {
            // Let go of what came; the answer's lingering close (linger.ts) ends the connection.
            req.removeAllListeners('data');
            chunks = [];
            reject(bodyTimeout(idleMs));
          }, idleMs);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      onBytes?.(chunk.length);
      idle?.refresh();
      if (size > limit) {
        clearTimeout(idle);
        // Drain without keeping: the client gets its 413 instead of a reset connection.
        req.removeAllListeners('data');
        req.resume();
        reject(new AirlockError('AIRLOCK_BODY_TOO_LARGE', `more than ${limitText(limit)}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(idle);
      resolve({ chunks, size });
    });
    req.on('error', (err) => {
      clearTimeout(idle);
      reject(err);
    });
    // A connection that closes mid-body may not say so with an error: the timer must not outlive it.
    req.on('close', () => clearTimeout(idle));
  });
}

/** A UTF-8 byte order mark, as JSON text may begin with. */
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Writes three spaces over a UTF-8 byte order mark at the start of a JSON body (given as its
 * chunks, which may split the mark), in place; true when there was one. RFC 8259 §8.1 lets a
 * parser ignore a BOM (Windows tools write one), where JSON.parse refuses it. Spaces, rather than
 * removing it: JSON's own whitespace, so the JSON text inspected is the very text that goes
 * upstream, never a BOM an upstream parser might read otherwise; and the same length, so the
 * client's content-length stays true. Only the first three bytes: a BOM after anything else
 * (whitespace, another BOM) is still not JSON.
 */
export function blankBom(chunks: readonly Buffer[]): boolean {
  const at: [Buffer, number][] = [];
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length && at.length < BOM.length; i++) at.push([chunk, i]);
    if (at.length === BOM.length) break;
  }
  if (at.length < BOM.length || at.some(([chunk, i], k) => chunk[i] !== BOM[k])) return false;
  for (const [chunk, i] of at) chunk[i] = 0x20;
  return true;
}

/** Decodes `content-encoding` (possibly a list, applied in order) with a cap on the output. */
export async function decodeBody(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  if (!encoding) return body;
  const codings = codingsOf(encoding);
  let out = body;
  for (const coding of codings.reverse()) {
    const decode = CODINGS[coding]?.whole;
    // zstd depends on the Node version: the message names what this runtime decodes.
    if (!decode)
      throw new AirlockError(
        'AIRLOCK_BAD_ENCODING',
        `unsupported content-encoding "${coding}"; this gateway decodes ${Object.keys(CODINGS).join(', ')}`,
      );
    try {
      out = await decode(out, { maxOutputLength: limit });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new AirlockError('AIRLOCK_DECODED_TOO_LARGE', `decoded size > ${limitText(limit)}`);
      }
      throw new AirlockError('AIRLOCK_BAD_ENCODING', `${coding}: ${(err as Error).message}`);
    }
  }
  return out;
}
