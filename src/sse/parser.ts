/**
 * The one SSE parser every dialect uses (WHATWG HTML "Server-sent events", §9.2.6 "Interpreting
 * an event stream"), shaped like undici's lib/web/eventsource/eventsource-stream.js but built for
 * a proxy: besides the fields of each event it hands back the exact bytes the event arrived as,
 * so untouched events are forwarded byte for byte, and it reports comment-only blocks (`: ping`
 * keep-alives) instead of dropping them.
 *
 * Speed: line ends are found with Buffer#indexOf (memchr), complete lines inside one chunk are
 * decoded straight from a subarray, and raw bytes are views of the input chunks, copied once
 * only when an event spans chunks.
 *
 * Byte accounting: the `raw` of every event returned by push() and end(), concatenated in order,
 * is exactly the input. An event's raw ends with its blank line; when that blank line ended with
 * a CR that was the last byte of a chunk, the LF that may follow (CRLF) starts the next raw.
 * Blank lines outside any event are kept and lead the next event's raw.
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

export interface SseEvent {
  /** The `event:` field; absent when not sent (the spec then says "message"). */
  event?: string;
  /** `data:` lines joined with "\n"; "" when the block had none. */
  data: string;
  id?: string;
  retry?: number;
  /** True when the block held only comment lines (keep-alives such as `: ping`). */
  comment?: boolean;
  /** True for the unterminated tail returned by end() (the stream stopped mid-event). */
  partial?: boolean;
  /** The exact bytes of the block as received, blank line included. May be a view of an input chunk. */
  raw: Buffer;
}

export interface SseParserOptions {
  /** Largest block in bytes (raw, line ends included). Default 16 MiB. */
  maxEventSize?: number;
}

/** Thrown when one block grows past maxEventSize; the parser is unusable afterwards. */
export class SseEventTooLargeError extends Error {
  readonly code = 'SSE_EVENT_TOO_LARGE';
  constructor(
    readonly limit: number,
    /** Events completed in the same push() before the limit was hit, so they can still be sent. */
    readonly events: SseEvent[],
  ) {
    super(`SSE event exceeds the maximum event size of ${limit} bytes`);
    this.name = 'SseEventTooLargeError';
  }
}

const FIELDS = ['data', 'event', 'id', 'retry'] as const;
type FieldName = (typeof FIELDS)[number];

/** The known field name in `buf[start, end)`, compared byte by byte (no string for the name). */
function fieldName(buf: Buffer, start: number, end: number): FieldName | undefined {
  const len = end - start;
  for (const name of FIELDS) {
    if (name.length !== len || buf[start] !== name.charCodeAt(0)) continue;
    let i = 1;
    while (i < len && buf[start + i] === name.charCodeAt(i)) i++;
    if (i === len) return name;
  }
  return undefined;
}

/**
 * Appends a piece of an unfinished event or line. A server that trickles bytes would otherwise
 * leave one Buffer object per byte until the event ends (undici caps its chunk count for the same
 * reason); merging the newest pieces in groups keeps the count low at O(n log n) copying.
 */
const MAX_PARTS = 1024;
function keep(parts: Buffer[], piece: Buffer): void {
  parts.push(piece);
  if (parts.length >= MAX_PARTS) parts.push(Buffer.concat(parts.splice(-MAX_PARTS / 2)));
}

export class SseParser {
  private readonly maxEventSize: number;
  /** Bytes of the current block from earlier chunks (views, not copies). */
  private rawParts: Buffer[] = [];
  private rawBytes = 0;
  /** The unfinished current line, from earlier chunks. */
  private lineParts: Buffer[] = [];
  /** The previous chunk ended with a CR: a leading LF completes that line end. */
  private afterCR = false;
  /** Still at the stream start: a UTF-8 BOM may come (possibly split). */
  private checkBOM = true;
  private bomHeld: Buffer | undefined;

  // Fields of the block being read.
  private hasLines = false;
  private hasFields = false;
  private data: string | undefined;
  private eventType: string | undefined;
  private id: string | undefined;
  private retry: number | undefined;

  constructor(options: SseParserOptions = {}) {
    this.maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  }

  push(input: Buffer): SseEvent[] {
    const out: SseEvent[] = [];
    let chunk = input;
    if (this.checkBOM) {
      const held = this.bomHeld ? Buffer.concat([this.bomHeld, chunk]) : chunk;
      if (held.length < BOM.length && BOM.subarray(0, held.length).equals(held)) {
        this.bomHeld = held;
        return out;
      }
      this.checkBOM = false;
      this.bomHeld = undefined;
      chunk = held;
      // The BOM is not parsed but stays in the first raw, so forwarding stays byte-exact.
      if (held.subarray(0, BOM.length).equals(BOM)) return this.scan(chunk, BOM.length, out);
    }
    return this.scan(chunk, 0, out);
  }

  /** The stream ended: returns the unterminated tail, if any bytes are left, as a `partial` event. */
  end(): SseEvent[] {
    if (this.bomHeld) {
      this.rawParts.push(this.bomHeld);
      this.bomHeld = undefined;
    }
    if (this.lineParts.length > 0) {
      const line = Buffer.concat(this.lineParts);
      this.lineParts = [];
      this.parseLine(line, 0, line.length);
    }
    this.afterCR = false;
    if (this.rawParts.length === 0) return [];
    const ev = this.build(Buffer.concat(this.rawParts));
    ev.partial = true;
    this.reset();
    return [ev];
  }

  private scan(chunk: Buffer, start: number, out: SseEvent[]): SseEvent[] {
    const len = chunk.length;
    let pos = start;
    let rawStart = 0;
    if (this.afterCR && len > pos) {
      if (chunk[pos] === LF) pos++;
      this.afterCR = false;
    }
    // Next LF / CR positions, recomputed only once passed: linear in the chunk size.
    let nextLF = -2;
    let nextCR = -2;
    while (pos < len) {
      if (nextLF !== -1 && nextLF < pos) nextLF = chunk.indexOf(LF, pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
      const eol = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextLF, nextCR);
      if (eol === -1) {
        keep(this.lineParts, chunk.subarray(pos));
        break;
      }
      let next = eol + 1;
      if (chunk[eol] === CR) {
        if (next < len) {
          if (chunk[next] === LF) next++;
        } else {
          this.afterCR = true;
        }
      }
      if (this.lineParts.length > 0) {
        this.lineParts.push(chunk.subarray(pos, eol));
        const line = Buffer.concat(this.lineParts);
        this.lineParts = [];
        this.parseLine(line, 0, line.length);
      } else if (eol > pos) {
        this.parseLine(chunk, pos, eol);
      } else if (this.hasLines) {
        // A blank line ends the block.
        const size = this.rawBytes + next - rawStart;
        if (size > this.maxEventSize) throw new SseEventTooLargeError(this.maxEventSize, out);
        const piece = chunk.subarray(rawStart, next);
        const raw = this.rawParts.length === 0 ? piece : Buffer.concat([...this.rawParts, piece], size);
        out.push(this.build(raw));
        this.reset();
        rawStart = next;
      }
      pos = next;
    }
    if (rawStart < len) {
      keep(this.rawParts, rawStart === 0 ? chunk : chunk.subarray(rawStart));
      this.rawBytes += len - rawStart;
      if (this.rawBytes > this.maxEventSize) throw new SseEventTooLargeError(this.maxEventSize, out);
    }
    return out;
  }

  /** Reads the line `buf[start, end)`: indices rather than a subarray, as a view costs an allocation. */
  private parseLine(buf: Buffer, start: number, end: number): void {
    this.hasLines = true;
    if (start === end || buf[start] === COLON) return;
    // A byte loop, not indexOf: indexOf cannot stop at `end` and would scan past the line.
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    let valueStart = colon + 1;
    if (valueStart < end && buf[valueStart] === SPACE) valueStart++;
    if (valueStart > end) valueStart = end;
    this.hasFields = true;
    // Unknown field names are ignored by the spec; the block still counts as an event.
    switch (fieldName(buf, start, colon)) {
      case 'data': {
        const value = buf.toString('utf8', valueStart, end);
        this.data = this.data === undefined ? value : `${this.data}\n${value}`;
        return;
      }
      case 'event':
        this.eventType = buf.toString('utf8', valueStart, end) || undefined;
        return;
      case 'id': {
        const value = buf.toString('utf8', valueStart, end);
        // The spec ignores an id containing NUL.
        if (!value.includes('\u0000')) this.id = value;
        return;
      }
      case 'retry': {
        const value = buf.toString('latin1', valueStart, end);
        if (/^[0-9]+$/.test(value)) this.retry = Number.parseInt(value, 10);
        return;
      }
      default:
    }
  }

  private build(raw: Buffer): SseEvent {
    const ev: SseEvent = { data: this.data ?? '', raw };
    if (this.eventType !== undefined) ev.event = this.eventType;
    if (this.id !== undefined) ev.id = this.id;
    if (this.retry !== undefined) ev.retry = this.retry;
    if (!this.hasFields && this.hasLines) ev.comment = true;
    return ev;
  }

  private reset(): void {
    this.rawParts = [];
    this.rawBytes = 0;
    this.hasLines = false;
    this.hasFields = false;
    this.data = undefined;
    this.eventType = undefined;
    this.id = undefined;
    this.retry = undefined;
  }
}
