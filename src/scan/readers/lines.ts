/**
 * Splits a byte stream into lines without loading it whole. A line longer than the cap is not
 * kept in memory: its bytes are dropped as they come and it is reported as too long, so a
 * single 2 GB line cannot exhaust memory.
 */

import { decodeUtf8 } from './decode.js';

export interface Line {
  /** 1-based line number. */
  number: number;
  text: string;
}

export interface LongLine {
  number: number;
  bytes: number;
}

export interface LineBatch {
  lines: Line[];
  tooLong: LongLine[];
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function decode(parts: Buffer[], total: number): string {
  const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  const end = buf.length > 0 && buf[buf.length - 1] === CARRIAGE_RETURN ? buf.length - 1 : buf.length;
  return decodeUtf8(buf, 0, end);
}

/**
 * Lines are handed over in batches of about this much text (cheaper than one await per line),
 * not a whole chunk's worth: a line's string then dies soon after it is parsed, young, instead
 * of living (and being copied by the young-generation collector) until the chunk's last line.
 */
const BATCH_BYTES = 64 * 1024;

/** Yields the lines of each chunk in batches of about BATCH_BYTES (a longer line alone). */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<LineBatch> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let lineNumber = 1;
  try {
    for await (const chunk of chunks) {
      let batch: LineBatch = { lines: [], tooLong: [] };
      let batchBytes = 0;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        const end = nl === -1 ? chunk.length : nl;
        const piece = chunk.subarray(start, end);
        if (!overflow) {
          if (pendingBytes + piece.length > maxLineBytes) {
            overflow = true;
            pending = [];
          } else if (piece.length > 0) {
            pending.push(piece);
          }
        }
        pendingBytes += piece.length;
        if (nl === -1) break;
        if (overflow) batch.tooLong.push({ number: lineNumber, bytes: pendingBytes });
        else batch.lines.push({ number: lineNumber, text: decode(pending, pendingBytes) });
        batchBytes += pendingBytes;
        pending = [];
        pendingBytes = 0;
        overflow = false;
        lineNumber += 1;
        start = nl + 1;
        // The chunk stays valid while its lines are handed over: the next one is not asked for.
        if (batchBytes >= BATCH_BYTES) {
          yield batch;
          batch = { lines: [], tooLong: [] };
          batchBytes = 0;
        }
      }
      // Pieces still pending point into `chunk`; copy them so the chunk can be released.
      if (pending.length > 0 && pending[pending.length - 1]!.buffer === chunk.buffer) {
        pending[pending.length - 1] = Buffer.from(pending[pending.length - 1]!);
      }
      if (batch.lines.length > 0 || batch.tooLong.length > 0) yield batch;
    }
  } catch (err) {
    // The reading stopped mid-file (a truncated gzip, an I/O error): the line it cut is still
    // handed over, so that what it holds is scanned before the error is reported.
    if (!overflow && pendingBytes > 0)
      yield { lines: [{ number: lineNumber, text: decode(pending, pendingBytes) }], tooLong: [] };
    throw err;
  }
  if (overflow) yield { lines: [], tooLong: [{ number: lineNumber, bytes: pendingBytes }] };
  else if (pendingBytes > 0)
    yield { lines: [{ number: lineNumber, text: decode(pending, pendingBytes) }], tooLong: [] };
}
