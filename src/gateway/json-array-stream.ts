/**
 * Restoration of an answer streamed as one JSON array whose elements arrive over time (Gemini's
 * :streamGenerateContent without `?alt=sse`), element by element as for SSE events: what cannot
 * hold a surrogate goes to the client at once instead of after the whole answer.
 *
 * A byte scanner (strings, escapes, nesting) cuts out each top-level element; every byte outside
 * the elements (the brackets, commas, line breaks) is forwarded as received, and so is an element
 * the restorer leaves alone. Each element goes through the dialect's stream restorer as if it
 * were an SSE event's data; what the restorer holds back from one element it releases as extra
 * elements of the same shape, written before the next element or before the closing bracket.
 * A body that turns out not to be an array is collected and restored whole at the end.
 */
import { isJsonSpace } from '../dialects/json-bytes.js';
import { AirlockError } from '../errors.js';
import type { StreamRestorer } from './inspector.js';
import { SseParser } from '../sse/parser.js';
import { formatEvent } from '../sse/writer.js';

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What joins extra elements to the ones before them (Gemini writes `,\r\n` between elements). */
const SEPARATOR = Buffer.from(',\r\n');

/** The data of every event in an SSE text the restorer wrote. */
function eventDatas(sse: Buffer): Buffer[] {
  if (sse.length === 0) return [];
  const parser = new SseParser();
  return [...parser.push(sse), ...parser.end()]
    .filter((ev) => ev.comment !== true && ev.data !== '')
    .map((ev) => Buffer.from(ev.data, 'utf8'));
}

export class JsonArrayStreamRestorer {
  /** Nesting depth: 0 outside the array, 1 between its elements. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Not an array after all: everything is collected for `whole`. */
  private collected: Buffer[] | undefined;
  private sawArray = false;
  /** The bytes of the element being read that came in earlier chunks. */
  private partial: Buffer[] = [];
  /** What `partial` or `collected` holds, in bytes: never more than `maxHeld`. */
  private held = 0;
  private inElement = false;
  /** Elements written so far: extra ones need a separator before them. */
  private written = 0;

  constructor(
    private readonly stream: StreamRestorer,
    /** Restores a whole JSON body (the fallback for a body that is not an array). */
    private readonly whole: (body: Buffer) => Buffer,
    /**
     * The most it holds at once (limits.max_answer): one element, or a body that is not an
     * array. Past it push() throws AIRLOCK_ANSWER_TOO_LARGE, rather than keep an upstream's
     * element that never ends, or a body that never does, in memory whatever its size.
     */
    private readonly maxHeld = Number.POSITIVE_INFINITY,
  ) {}

  private hold(bytes: Buffer, into: Buffer[]): void {
    this.held += bytes.length;
    if (this.held > this.maxHeld) {
      this.partial = [];
      this.collected = undefined;
      throw new AirlockError(
        'AIRLOCK_ANSWER_TOO_LARGE',
        `an element of a streamed JSON array, or an answer that is not one, of more than limits.max_answer, ${this.maxHeld} bytes`,
      );
    }
    into.push(bytes);
  }

  /** The bytes to send for this chunk. */
  push(chunk: Buffer): Buffer {
    if (this.collected) {
      this.hold(chunk, this.collected);
      return Buffer.alloc(0);
    }
    const out: Buffer[] = [];
    /** Start of the bytes not yet handed on (outside elements) or not yet kept (inside one). */
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (!this.sawArray) {
        if (isJsonSpace(c)) continue;
        if (c !== OPEN_ARRAY) {
          this.collected = [];
          this.hold(chunk.subarray(from), this.collected);
          return Buffer.alloc(0);
        }
        this.sawArray = true;
      }
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.depth === 1) {
          if (i > from) out.push(chunk.subarray(from, i));
          from = i;
          this.inElement = true;
        }
        this.depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.depth--;
        if (this.depth === 1 && this.inElement) {
          this.inElement = false;
          const element =
            this.partial.length === 0
              ? chunk.subarray(from, i + 1)
              : Buffer.concat([...this.partial, chunk.subarray(from, i + 1)]);
          this.partial = [];
          this.held = 0;
          out.push(...this.restore(element));
          from = i + 1;
        } else if (this.depth === 0) {
          // The closing bracket: what the restorer still holds goes in before it.
          if (i > from) out.push(chunk.subarray(from, i));
          from = i;
          out.push(...this.extra(eventDatas(this.stream.end())));
        }
      }
    }
    if (from < chunk.length) {
      if (this.inElement) this.hold(chunk.subarray(from), this.partial);
      else out.push(chunk.subarray(from));
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** What is left at the end of the answer. */
  end(): Buffer {
    if (this.collected) return this.whole(Buffer.concat(this.collected));
    // A stream that broke off inside an element: its bytes as received, then what is held.
    const rest = [...this.partial, ...this.extra(eventDatas(this.stream.end()))];
    this.partial = [];
    return Buffer.concat(rest);
  }

  /** One element through the restorer: itself, or what the restorer made of it. */
  private restore(element: Buffer): Buffer[] {
    this.written++;
    const data = element.toString('utf8');
    // The restorer reads `data` and gives `raw` back, or the held text before it, when it
    // leaves the element alone.
    const raw = Buffer.from(formatEvent({ data }), 'utf8');
    const out = this.stream.event({ data, raw });
    if (out === raw) return [element];
    const tail = out.length >= raw.length && out.subarray(out.length - raw.length).equals(raw);
    const made = eventDatas(tail ? out.subarray(0, out.length - raw.length) : out);
    if (tail) made.push(element);
    return made.flatMap((e, k) => (k === 0 ? [e] : [SEPARATOR, e]));
  }

  /** Elements the restorer released on its own, each after a separator when one is needed. */
  private extra(elements: Buffer[]): Buffer[] {
    const out: Buffer[] = [];
    for (const e of elements) {
      if (this.written++ > 0) out.push(SEPARATOR);
      out.push(e);
    }
    return out;
  }
}
