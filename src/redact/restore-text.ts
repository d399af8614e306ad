/**
 * Puts originals back in place of surrogates in answer text. Whole answers (restore.ts) and
 * streams (restore-stream.ts) both go through `restoreStep`, so a stream split anywhere restores
 * exactly as the whole text does.
 *
 * Fields with `json: true` hold serialized JSON (tool-call arguments). There a surrogate is
 * matched on the decoded characters (`C:\\Users\\user` in the fragment is `C:\Users\user`), and
 * the original is written back JSON-escaped; an escape sequence cut by an event boundary is
 * held back whole.
 */
import type { AnswerField } from '../dialects/types.js';
import type { Matcher } from './matcher.js';

export interface RestoreOptions {
  /** Put secrets back into tool-call arguments (policy `restore_secrets_in_tool_calls`). */
  secretsInToolCalls: boolean;
}

interface Decoded {
  text: string;
  /** Raw index of each decoded character, plus one past the end; undefined when identical. */
  offsets: number[] | undefined;
  /** Raw index where an unfinished escape sequence starts (raw.length when none). */
  cut: number;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function decodeJsonFragment(raw: string): Decoded {
  if (raw.indexOf('\\') < 0) return { text: raw, offsets: undefined, cut: raw.length };
  let text = '';
  const offsets: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i] as string;
    if (ch !== '\\') {
      offsets.push(i);
      text += ch;
      i++;
      continue;
    }
    const esc = raw[i + 1];
    if (esc === undefined) break;
    if (esc === 'u') {
      const hex = raw.slice(i + 2, i + 6);
      if (hex.length < 4) break;
      offsets.push(i);
      text += /^[0-9a-fA-F]{4}$/.test(hex) ? String.fromCharCode(parseInt(hex, 16)) : '\\';
      i += /^[0-9a-fA-F]{4}$/.test(hex) ? 6 : 1;
      continue;
    }
    offsets.push(i);
    const simple = SIMPLE_ESCAPES[esc];
    // Not valid JSON; keep the backslash as a character so nothing is lost.
    text += simple ?? '\\';
    i += simple === undefined ? 1 : 2;
  }
  offsets.push(i);
  return { text, offsets, cut: i };
}

function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Raw index of a decoded character (of `decoded.text.length`: the cut). */
function rawIndex(decoded: Decoded, index: number): number {
  return decoded.offsets ? (decoded.offsets[index] ?? decoded.cut) : index;
}

export interface StepResult {
  /** Text to send now. */
  out: string;
  /** Raw text held back for the next step. */
  held: string;
  /** Last decoded character before the held text (for the word-boundary rule). */
  prev: string;
}

/** One restoration step over `held + chunk`; `final` releases everything. */
export function restoreStep(
  matcher: Matcher,
  held: string,
  prev: string,
  chunk: string,
  json: boolean,
  secrets: boolean,
  final: boolean,
): StepResult {
  const raw = held + chunk;
  const decoded: Decoded = json
    ? decodeJsonFragment(raw)
    : { text: raw, offsets: undefined, cut: raw.length };
  const { matches, holdFrom } = matcher.scan(decoded.text, prev, final, secrets);
  if (matches.length === 0 && holdFrom === decoded.text.length && (final || decoded.cut === raw.length)) {
    return { out: raw, held: '', prev: raw.length > 0 ? decoded.text.slice(-1) || prev : prev };
  }
  let out = '';
  let last = 0;
  for (const m of matches) {
    out +=
      raw.slice(last, rawIndex(decoded, m.start)) + (json ? jsonEscape(m.entry.original) : m.entry.original);
    last = rawIndex(decoded, m.end);
  }
  const rawHold = holdFrom === decoded.text.length ? decoded.cut : rawIndex(decoded, holdFrom);
  out += raw.slice(last, rawHold);
  let rest = raw.slice(rawHold);
  if (final) {
    out += rest;
    rest = '';
  }
  const newPrev = holdFrom > 0 ? (decoded.text[holdFrom - 1] as string) : prev;
  return { out, held: rest, prev: newPrev };
}

/**
 * Tool-call arguments: where secrets may be restored. The dialect says so (`tool`); the channel
 * shape is the fallback for a dialect that predates the flag.
 */
export function isToolField(field: AnswerField): boolean {
  return field.tool === true || field.json || /:(?:input|args)(?::|$)/.test(field.channel);
}

/**
 * Fields that carry a complete value (`.done` events, `message_start` and `output_item.added`
 * snapshots, Gemini function-call arguments) rather than a delta continuing a channel: restored
 * at once, never held back. The dialect says so (`whole`); channel names are the fallback.
 */
export function isWholeField(field: AnswerField): boolean {
  if (field.whole === true) return true;
  const ch = field.channel;
  return (
    /(?:^|:)(?:done|added|start)(?::|$)/.test(ch) ||
    ch.startsWith('response.') ||
    /:(?:input|args)(?::|$)/.test(ch)
  );
}

export function restoreWhole(matcher: Matcher, text: string, json: boolean, secrets: boolean): string {
  return restoreStep(matcher, '', '', text, json, secrets, true).out;
}
