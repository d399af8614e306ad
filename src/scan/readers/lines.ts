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

/** Tab, vertical tab, form feed, carriage return, space: what a blank line may hold. */
function isBlankByte(b: number | undefined): boolean {
  return b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d && b !== NEWLINE);
}

const BLANK = /^[\t\v\f\r ]*$/;

/** A decoded line that holds only what isBlankByte allows (the first character decides cheaply). */
function isBlank(text: string): boolean {
  return text.length === 0 || (isBlankByte(text.charCodeAt(0)) && BLANK.test(text));
}

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
 * Yields the lines of each chunk in batches of about BATCH_BYTES (a longer line alone). Blank
 * lines — empty, or only spaces, tabs, vertical tabs, form feeds and carriage returns — are not
 * handed over, only counted, so the lines after them keep their numbers: one string and one
 * object per blank line made a file of newlines cost ~20 s and ~370 MB per 64 MB (a gzip of
 * 1 GiB of them, minutes), and 64 MB of lines of spaces ~27 s. Nothing is lost: no rule finds
 * anything in ASCII whitespace alone (Unicode spaces, which the hidden-Unicode rules look for,
 * are not blank here); in JSONL such a line holds no record (it was a "not valid JSON" warning
 * per line); a private key block (key-blocks.ts) reads the same without them.
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
          // At the start of a line: blank lines are stepped over byte by byte, no string, no
          // object. A blank run cut by the chunk's end is read as a line (and dropped as one).
          let i = start;
          for (;;) {
            let j = i;
            while (isBlankByte(chunk[j])) j += 1;
            if (chunk[j] !== NEWLINE) break;
            i = j + 1;
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
          // Blank lines that began in an earlier chunk end here: not handed over either.
          const text = decode(pending, pendingBytes);
          if (!isBlank(text)) batch.lines.push({ number: lineNumber, text });
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

  /** The line still pending when the input ends, unless it is blank. */
  function lastLine(): LineBatch | undefined {
    if (overflow || pendingBytes === 0) return undefined;
    const text = decode(pending, pendingBytes);
    return isBlank(text) ? undefined : { lines: [{ number: lineNumber, text }], tooLong: [] };
  }
}
