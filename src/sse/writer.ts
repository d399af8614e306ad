/**
 * Serializes SSE events in one place (as hono's src/helper/streaming/sse.ts does). `event` and
 * `id` may not contain CR or LF: a line end there would inject a field or end the event early,
 * so they are refused rather than escaped. `data` is split into one `data:` line per line.
 */

import type { SseEvent } from './parser.js';

export interface SseOutEvent {
  event?: string;
  data: string;
  id?: string;
  retry?: number;
}

export interface SseWriteOptions {
  /** Line end to use; Gemini sends CRLF, the others LF. Default "\n". */
  eol?: '\n' | '\r\n';
}

const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

export class SseFieldError extends Error {
  readonly code = 'SSE_BAD_FIELD';
  constructor(field: string) {
    super(`SSE field "${field}" must not contain CR or LF`);
    this.name = 'SseFieldError';
  }
}

export function formatEvent(ev: SseOutEvent, options: SseWriteOptions = {}): string {
  const eol = options.eol ?? '\n';
  let out = '';
  if (ev.event !== undefined) {
    if (HAS_LINE_BREAK.test(ev.event)) throw new SseFieldError('event');
    out += `event: ${ev.event}${eol}`;
  }
  if (ev.id !== undefined) {
    if (HAS_LINE_BREAK.test(ev.id)) throw new SseFieldError('id');
    out += `id: ${ev.id}${eol}`;
  }
  if (ev.retry !== undefined) {
    if (!Number.isInteger(ev.retry) || ev.retry < 0) throw new SseFieldError('retry');
    out += `retry: ${ev.retry}${eol}`;
  }
  // Fast path: JSON data never holds a raw line break.
  const lines = HAS_LINE_BREAK.test(ev.data) ? ev.data.split(LINE_BREAK) : [ev.data];
  for (const line of lines) out += `data: ${line}${eol}`;
  return out + eol;
}

/** A comment block such as a keep-alive (`: ping`); each line of `text` becomes a comment line. */
export function formatComment(text: string, options: SseWriteOptions = {}): string {
  const eol = options.eol ?? '\n';
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `:${line === '' ? '' : ` ${line}`}${eol}`;
  return out + eol;
}

export function encodeEvent(ev: SseOutEvent, options: SseWriteOptions = {}): Buffer {
  return Buffer.from(formatEvent(ev, options), 'utf8');
}

/**
 * A received event written again with new data (after its text fields were edited), keeping its
 * name, id and retry, and CRLF line ends if it came with them (Gemini). Comment lines inside
 * the event are not kept.
 */
export function rewriteEvent(ev: SseEvent, data: string): Buffer {
  const out: SseOutEvent = { data };
  if (ev.event !== undefined) out.event = ev.event;
  if (ev.id !== undefined) out.id = ev.id;
  if (ev.retry !== undefined) out.retry = ev.retry;
  return encodeEvent(out, { eol: ev.raw.indexOf(0x0d) === -1 ? '\n' : '\r\n' });
}
