/**
 * Streams the elements of one array inside a large JSON document (a HAR's `log.entries`, a
 * Gemini session's `messages`) without parsing the document whole: a byte-level scanner tracks
 * strings, nesting and keys, cuts out each element's bytes and parses only that element.
 * Memory is bounded by the largest element, itself capped.
 */

import { decodeUtf8 } from './decode.js';

export type ElementEvent =
  | { kind: 'element'; index: number; line: number; value: unknown }
  | { kind: 'bad-element'; index: number; line: number; reason: string }
  /** Top-level scalar members (sessionId, startTime...) of the root object. */
  | { kind: 'root-field'; key: string; value: unknown }
  | { kind: 'truncated'; line: number };

/** Parsed elements are handed over in batches of about this many bytes of JSON. */
const EVENTS_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

interface Frame {
  array: boolean;
  key: string | null;
  expectingKey: boolean;
}

export async function* streamArrayElements(
  chunks: AsyncIterable<Buffer>,
  target: readonly string[],
  maxElementBytes: number,
): AsyncGenerator<ElementEvent[]> {
  const stack: Frame[] = [];
  let inString = false;
  let escaped = false;
  let keyBytes: number[] | null = null;
  let line = 1;
  // Capture of the current element of the target array.
  let capturing = false;
  let captureDepth = 0;
  let captureParts: Buffer[] = [];
  let captureBytes = 0;
  let captureLine = 0;
  let oversize = false;
  let index = 0;
  // Capture of a root-level scalar value (start offset in the current chunk, or carried bytes).
  let rootValue: Buffer[] | null = null;
  let rootKey = '';

  const atTarget = (): boolean => {
    if (stack.length !== target.length + 1) return false;
    const top = stack[stack.length - 1]!;
    if (!top.array) return false;
    for (let i = 0; i < target.length; i += 1) if (stack[i]!.key !== target[i]) return false;
    return true;
  };

  for await (const chunk of chunks) {
    let events: ElementEvent[] = [];
    /** Bytes of the elements in `events`: handed over from EVENTS_BYTES on (see lines.ts). */
    let eventBytes = 0;
    let captureFrom: number = capturing ? 0 : -1;
    let rootFrom: number = rootValue ? 0 : -1;
    const finishElement = (endExclusive: number): void => {
      if (!oversize) captureParts.push(chunk.subarray(captureFrom, endExclusive));
      captureBytes += endExclusive - captureFrom;
      if (oversize || captureBytes > maxElementBytes) {
        events.push({
          kind: 'bad-element',
          index,
          line: captureLine,
          reason: `element of ${captureBytes} bytes is over the ${maxElementBytes}-byte cap`,
        });
      } else {
        // An element inside one chunk is decoded from the chunk itself, without a copy.
        const text = decodeUtf8(
          captureParts.length === 1 ? captureParts[0]! : Buffer.concat(captureParts, captureBytes),
        );
        eventBytes += captureBytes;
        try {
          events.push({ kind: 'element', index, line: captureLine, value: JSON.parse(text) as unknown });
        } catch (err) {
          events.push({ kind: 'bad-element', index, line: captureLine, reason: (err as Error).message });
        }
      }
      capturing = false;
      captureParts = [];
      captureBytes = 0;
      oversize = false;
      captureFrom = -1;
      index += 1;
    };
    const finishRoot = (endExclusive: number): void => {
      const parts = rootValue ?? [];
      parts.push(chunk.subarray(rootFrom, endExclusive));
      const text = Buffer.concat(parts).toString('utf8').trim();
      try {
        events.push({ kind: 'root-field', key: rootKey, value: JSON.parse(text) as unknown });
      } catch {
        // A malformed root scalar only loses that field; the elements matter.
      }
      rootValue = null;
      rootFrom = -1;
    };

    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i]!;
      if (inString) {
        if (keyBytes === null) {
          // A value string (the bulk of the bytes: HAR bodies are JSON text inside a string, full
          // of escapes): jump from quote to quote. A quote ends the string unless an odd run of
          // backslashes precedes it, so escapes cost nothing.
          let from = i;
          if (escaped) {
            escaped = false;
            from = i + 1;
          }
          let end = -1;
          while (from < chunk.length) {
            const q = chunk.indexOf(QUOTE, from);
            if (q === -1) break;
            let k = q - 1;
            while (k >= from && chunk[k] === BACKSLASH) k -= 1;
            if ((q - 1 - k) % 2 === 0) {
              end = q;
              break;
            }
            from = q + 1;
          }
          if (end === -1) {
            // The string goes on in the next chunk; an odd run of backslashes at the end of this
            // one escapes the next chunk's first byte.
            let k = chunk.length - 1;
            while (k >= from && chunk[k] === BACKSLASH) k -= 1;
            escaped = (chunk.length - 1 - k) % 2 === 1;
            i = chunk.length;
            break;
          }
          inString = false;
          i = end;
          continue;
        }
        if (escaped) {
          escaped = false;
          keyBytes.push(c);
        } else if (c === BACKSLASH) {
          escaped = true;
          keyBytes.push(c);
        } else if (c === QUOTE) {
          inString = false;
          const raw = Buffer.from(keyBytes).toString('utf8');
          stack[stack.length - 1]!.key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          keyBytes = null;
        } else {
          keyBytes.push(c);
        }
        continue;
      }
      if (c === NEWLINE) {
        line += 1;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
      const top = stack[stack.length - 1];
      if (
        rootValue === null &&
        rootFrom === -1 &&
        !capturing &&
        stack.length === 1 &&
        top &&
        !top.array &&
        !top.expectingKey &&
        c !== 0x3a &&
        c !== 0x2c &&
        c !== 0x7d &&
        c !== 0x7b &&
        c !== 0x5b
      ) {
        rootFrom = i;
        rootKey = top.key ?? '';
      }
      if (!capturing && top?.array && c !== 0x2c && c !== 0x5d && atTarget() && (c === 0x7b || c === 0x5b)) {
        capturing = true;
        captureDepth = stack.length;
        captureFrom = i;
        captureLine = line;
      }
      switch (c) {
        case QUOTE:
          inString = true;
          if (top && !top.array && top.expectingKey && stack.length <= target.length + 1) keyBytes = [];
          break;
        case 0x7b: // {
          stack.push({ array: false, key: null, expectingKey: true });
          break;
        case 0x5b: // [
          stack.push({ array: true, key: null, expectingKey: false });
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (rootFrom !== -1 && stack.length === 1) finishRoot(i);
          stack.pop();
          if (capturing && stack.length === captureDepth) {
            finishElement(i + 1);
            // Parsed elements are handed over before the chunk is done, so they die young; the
            // chunk stays valid meanwhile (the next one is not asked for).
            if (eventBytes >= EVENTS_BYTES) {
              yield events;
              events = [];
              eventBytes = 0;
            }
          }
          break;
        case 0x3a: // :
          if (top) top.expectingKey = false;
          break;
        case 0x2c: // ,
          if (rootFrom !== -1 && stack.length === 1) finishRoot(i);
          if (top && !top.array) top.expectingKey = true;
          break;
        default:
          break;
      }
    }
    if (capturing && captureFrom !== -1) {
      const rest = chunk.length - captureFrom;
      if (!oversize && captureBytes + rest <= maxElementBytes)
        captureParts.push(Buffer.from(chunk.subarray(captureFrom)));
      else {
        oversize = true;
        captureParts = [];
      }
      captureBytes += rest;
    }
    if (rootFrom !== -1) {
      rootValue = [...(rootValue ?? []), Buffer.from(chunk.subarray(rootFrom))];
      if (rootValue.reduce((n, b) => n + b.length, 0) > 1024 * 1024) rootValue = null;
    }
    if (events.length > 0) yield events;
  }
  if (stack.length > 0 || inString) yield [{ kind: 'truncated', line }];
}
