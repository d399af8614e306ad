/**
 * Streams the elements of one array inside a large JSON document (a HAR's `log.entries`, a
 * Gemini session's `messages`) without parsing the document whole: a byte-level scanner tracks
 * strings, nesting and keys, cuts out each element's bytes and parses only that element.
 * Memory is bounded by the largest element, itself capped.
 *
 * The byte scanner is a plain class and the generator only drives it: V8 compiles a large
 * generator with closures slowly and throws the code away on every type change (it spent about
 * half a CPU-second recompiling the former all-in-one generator on a 210 MB scan, in each thread).
 */

import { decodeUtf8 } from './decode.js';
import { jsonErrorText } from './json-error.js';

export type ElementEvent =
  /** `text`: the element's JSON, when it spans several lines (for its values' lines). */
  | { kind: 'element'; index: number; line: number; value: unknown; text?: string }
  | { kind: 'bad-element'; index: number; line: number; reason: string }
  /** Top-level scalar members (sessionId, startTime, summary...) of the root object, at their line. */
  | { kind: 'root-field'; key: string; value: unknown; line: number }
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

class ElementScanner {
  private readonly stack: Frame[] = [];
  private inString = false;
  private escaped = false;
  private keyBytes: number[] | null = null;
  line = 1;
  // Capture of the current element of the target array.
  private capturing = false;
  private captureDepth = 0;
  private captureParts: Buffer[] = [];
  private captureBytes = 0;
  private captureLine = 0;
  private oversize = false;
  private index = 0;
  // Capture of a root-level scalar value (start offset in the current chunk, or carried bytes).
  private rootValue: Buffer[] | null = null;
  private rootKey = '';
  private rootLine = 1;
  /** Where the element (root value) being captured starts in the current chunk, or -1. */
  private captureFrom = -1;
  private rootFrom = -1;
  events: ElementEvent[] = [];
  /** Bytes of the elements in `events`: handed over from EVENTS_BYTES on (see lines.ts). */
  eventBytes = 0;

  constructor(
    private readonly target: readonly string[],
    private readonly maxElementBytes: number,
  ) {}

  get open(): boolean {
    return this.stack.length > 0 || this.inString;
  }

  take(): ElementEvent[] {
    const out = this.events;
    this.events = [];
    this.eventBytes = 0;
    return out;
  }

  startChunk(): void {
    this.captureFrom = this.capturing ? 0 : -1;
    this.rootFrom = this.rootValue ? 0 : -1;
  }

  private atTarget(): boolean {
    const { stack, target } = this;
    if (stack.length !== target.length + 1) return false;
    const top = stack[stack.length - 1]!;
    if (!top.array) return false;
    for (let i = 0; i < target.length; i += 1) if (stack[i]!.key !== target[i]) return false;
    return true;
  }

  private finishElement(chunk: Buffer, endExclusive: number): void {
    if (!this.oversize) this.captureParts.push(chunk.subarray(this.captureFrom, endExclusive));
    this.captureBytes += endExclusive - this.captureFrom;
    if (this.oversize || this.captureBytes > this.maxElementBytes) {
      this.events.push({
        kind: 'bad-element',
        index: this.index,
        line: this.captureLine,
        reason: `element of ${this.captureBytes} bytes is over the ${this.maxElementBytes}-byte cap`,
      });
    } else {
      // An element inside one chunk is decoded from the chunk itself, without a copy.
      const parts = this.captureParts;
      const text = decodeUtf8(parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.captureBytes));
      this.eventBytes += this.captureBytes;
      try {
        const value = JSON.parse(text) as unknown;
        this.events.push(
          this.line === this.captureLine
            ? { kind: 'element', index: this.index, line: this.captureLine, value }
            : { kind: 'element', index: this.index, line: this.captureLine, value, text },
        );
      } catch (err) {
        this.events.push({
          kind: 'bad-element',
          index: this.index,
          line: this.captureLine,
          reason: jsonErrorText(err),
        });
      }
    }
    this.capturing = false;
    this.captureParts = [];
    this.captureBytes = 0;
    this.oversize = false;
    this.captureFrom = -1;
    this.index += 1;
  }

  private finishRoot(chunk: Buffer, endExclusive: number): void {
    const parts = this.rootValue ?? [];
    parts.push(chunk.subarray(this.rootFrom, endExclusive));
    const text = Buffer.concat(parts).toString('utf8').trim();
    try {
      // Where it starts: the member's end is seen only at the next `,` or `}`, maybe lines below.
      this.events.push({
        kind: 'root-field',
        key: this.rootKey,
        value: JSON.parse(text) as unknown,
        line: this.rootLine,
      });
    } catch {
      // A malformed root scalar only loses that field; the elements matter.
    }
    this.rootValue = null;
    this.rootFrom = -1;
  }

  /**
   * Scans `chunk` from `from`; returns where it stopped: the chunk's length, or earlier when the
   * parsed elements reached EVENTS_BYTES (they are handed over before the chunk is done, so they
   * die young; the chunk stays valid meanwhile, the next one is not asked for).
   */
  run(chunk: Buffer, from: number): number {
    const stack = this.stack;
    const target = this.target;
    for (let i = from; i < chunk.length; i += 1) {
      const c = chunk[i]!;
      if (this.inString) {
        const keyBytes = this.keyBytes;
        if (keyBytes === null) {
          // A value string (the bulk of the bytes: HAR bodies are JSON text inside a string, full
          // of escapes): jump from quote to quote. A quote ends the string unless an odd run of
          // backslashes precedes it, so escapes cost nothing.
          let at = i;
          if (this.escaped) {
            this.escaped = false;
            at = i + 1;
          }
          const end = closingQuote(chunk, at);
          if (end === -1) {
            // The string goes on in the next chunk; an odd run of backslashes at the end of this
            // one escapes the next chunk's first byte.
            let k = chunk.length - 1;
            while (k >= at && chunk[k] === BACKSLASH) k -= 1;
            this.escaped = (chunk.length - 1 - k) % 2 === 1;
            return chunk.length;
          }
          this.inString = false;
          i = end;
          // The string was itself an element of the target array (an array of texts).
          if (this.capturing && stack.length === this.captureDepth) {
            this.finishElement(chunk, end + 1);
            if (this.eventBytes >= EVENTS_BYTES) return end + 1;
          }
          continue;
        }
        if (this.escaped) {
          this.escaped = false;
          keyBytes.push(c);
        } else if (c === BACKSLASH) {
          this.escaped = true;
          keyBytes.push(c);
        } else if (c === QUOTE) {
          this.inString = false;
          const raw = Buffer.from(keyBytes).toString('utf8');
          stack[stack.length - 1]!.key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          this.keyBytes = null;
        } else {
          keyBytes.push(c);
        }
        continue;
      }
      if (c === NEWLINE) {
        this.line += 1;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
      const top = stack.length > 0 ? stack[stack.length - 1] : undefined;
      if (
        this.rootValue === null &&
        this.rootFrom === -1 &&
        !this.capturing &&
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
        this.rootFrom = i;
        this.rootKey = top.key ?? '';
        this.rootLine = this.line;
      }
      if (
        !this.capturing &&
        top?.array &&
        c !== 0x2c &&
        c !== 0x5d &&
        this.atTarget() &&
        (c === 0x7b || c === 0x5b || c === QUOTE)
      ) {
        this.capturing = true;
        this.captureDepth = stack.length;
        this.captureFrom = i;
        this.captureLine = this.line;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (top && !top.array && top.expectingKey && stack.length <= target.length + 1) this.keyBytes = [];
          break;
        case 0x7b: // {
          stack.push({ array: false, key: null, expectingKey: true });
          break;
        case 0x5b: // [
          stack.push({ array: true, key: null, expectingKey: false });
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (this.rootFrom !== -1 && stack.length === 1) this.finishRoot(chunk, i);
          stack.pop();
          if (this.capturing && stack.length === this.captureDepth) {
            this.finishElement(chunk, i + 1);
            if (this.eventBytes >= EVENTS_BYTES) return i + 1;
          }
          break;
        case 0x3a: // :
          if (top) top.expectingKey = false;
          break;
        case 0x2c: // ,
          if (this.rootFrom !== -1 && stack.length === 1) this.finishRoot(chunk, i);
          if (top && !top.array) top.expectingKey = true;
          break;
        default:
          break;
      }
    }
    return chunk.length;
  }

  /** Keeps (copies) what the chunk holds of an unfinished element or root value. */
  endChunk(chunk: Buffer): void {
    if (this.capturing && this.captureFrom !== -1) {
      const rest = chunk.length - this.captureFrom;
      if (!this.oversize && this.captureBytes + rest <= this.maxElementBytes)
        this.captureParts.push(Buffer.from(chunk.subarray(this.captureFrom)));
      else {
        this.oversize = true;
        this.captureParts = [];
      }
      this.captureBytes += rest;
    }
    if (this.rootFrom !== -1) {
      const kept = [...(this.rootValue ?? []), Buffer.from(chunk.subarray(this.rootFrom))];
      this.rootValue = kept.reduce((n, b) => n + b.length, 0) > 1024 * 1024 ? null : kept;
    }
  }
}

/** The quote that ends a string from `from` on (one not escaped by an odd run of backslashes), or -1. */
function closingQuote(chunk: Buffer, from: number): number {
  let at = from;
  while (at < chunk.length) {
    const q = chunk.indexOf(QUOTE, at);
    if (q === -1) return -1;
    let k = q - 1;
    while (k >= at && chunk[k] === BACKSLASH) k -= 1;
    if ((q - 1 - k) % 2 === 0) return q;
    at = q + 1;
  }
  return -1;
}

export async function* streamArrayElements(
  chunks: AsyncIterable<Buffer>,
  target: readonly string[],
  maxElementBytes: number,
): AsyncGenerator<ElementEvent[]> {
  const scanner = new ElementScanner(target, maxElementBytes);
  for await (const chunk of chunks) {
    scanner.startChunk();
    let at = 0;
    while (at < chunk.length) {
      at = scanner.run(chunk, at);
      if (at < chunk.length) yield scanner.take();
    }
    scanner.endChunk(chunk);
    if (scanner.events.length > 0) yield scanner.take();
  }
  if (scanner.open) yield [{ kind: 'truncated', line: scanner.line }];
}
