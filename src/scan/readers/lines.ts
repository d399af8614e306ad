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
 * Lines are handed over in batches of about this many bytes of input, newlines included (cheaper
 * than one await per line), not a whole chunk's worth: a line's string then dies soon after it is
 * parsed, young, instead of living (and being copied by the young-generation collector) until the
 * chunk's last line. Counting the newlines bounds a batch of short lines too: `x\n` lines fill one
 * with at most BATCH_BYTES / 2 lines (when only their text counted, a 1 MiB chunk of them was
 * one batch of half a million lines).
 */
export const BATCH_BYTES = 64 * 1024;

/**
 * Yields the lines of each chunk in batches of about BATCH_BYTES (a longer line alone). Empty
 * lines (`\n`, `\r\n`) are not handed over, only counted, so the lines after them keep their
 * numbers: every reader of lines skips them anyway, and one string and one object per empty line
 * made a file of newlines cost ~20 s and ~370 MB per 64 MB (a gzip of 1 GiB of them, minutes).
 * Lines of spaces are handed over: in text they belong to a key block (src/scan/readers/
 * key-blocks.ts joins a block's lines as they are) and in JSONL they are a record that is not JSON.
 */
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
        if (pendingBytes === 0) {
          // At the start of a line: empty lines are stepped over byte by byte, no string, no object.
          let i = start;
          for (;;) {
            const b = chunk[i];
            if (b === NEWLINE) i += 1;
            else if (b === CARRIAGE_RETURN && chunk[i + 1] === NEWLINE) i += 2;
            else break;
            lineNumber += 1;
          }
          batchBytes += i - start;
          start = i;
          if (start >= chunk.length) break;
        }
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
        else {
          // Empty once its carriage return is cut (a `\r` at the end of the chunk before): not handed over.
          const text = decode(pending, pendingBytes);
          if (text.length > 0) batch.lines.push({ number: lineNumber, text });
        }
        batchBytes += pendingBytes + 1;
        pending = [];
        pendingBytes = 0;
        overflow = false;
        lineNumber += 1;
        start = nl + 1;
        // The chunk stays valid while its lines are handed over: the next one is not asked for.
        if (batchBytes >= BATCH_BYTES) {
          if (batch.lines.length > 0 || batch.tooLong.length > 0) {
            yield batch;
            batch = { lines: [], tooLong: [] };
          }
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
    const last = lastLine();
    if (last) yield last;
    throw err;
  }
  if (overflow) yield { lines: [], tooLong: [{ number: lineNumber, bytes: pendingBytes }] };
  else {
    const last = lastLine();
    if (last) yield last;
  }

  /** The line still pending when the input ends, unless it is empty. */
  function lastLine(): LineBatch | undefined {
    if (overflow || pendingBytes === 0) return undefined;
    const text = decode(pending, pendingBytes);
    return text.length > 0 ? { lines: [{ number: lineNumber, text }], tooLong: [] } : undefined;
  }
}
