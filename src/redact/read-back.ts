/**
 * Restores an answer read back later by GET (Dialect.readBack): a background response polled
 * for, a batch's results, an interaction. The request that chose its surrogates was another one,
 * so they are not known before the answer comes: it is read whole, the strings in its text that
 * have a surrogate's shape (surrogate-candidates.ts) are looked up in the vault, and what the
 * vault knows, of the surrogates given to requests sent with the reading request's credential
 * (Surrogates.grant), is restored as a POST answer is, by the same restorer over the same fields.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect } from '../dialects/types.js';
import type { ReadBackRestorer, StreamEvent } from '../gateway/inspector.js';
import { SseParser } from '../sse/parser.js';
import type { RestoreEntry } from './matcher.js';
import { createRestorer } from './restore.js';
import { eventData } from './restore-stream.js';
import type { RestoreOptions } from './restore-text.js';
import { createReadBackStream } from './read-back-stream.js';
import { addSurrogateCandidates, MAX_LOOKUPS_PER_ANSWER, unescapeFragment } from './surrogate-candidates.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(raw: Buffer): string | undefined {
  try {
    return UTF8.decode(raw);
  } catch {
    return undefined;
  }
}

const CREDENTIAL_HEADERS = ['x-api-key', 'x-goog-api-key', 'api-key', 'authorization'] as const;

/**
 * The credential a request is sent with, which scopes what its read-backs restore
 * (Surrogates.grant): the provider's own API key header, a bearer token, or Gemini's `?key=`;
 * '' without one. The first present in this order: a client sends one of them.
 */
export function readBackCredential(headers: IncomingHttpHeaders, query: URLSearchParams): string {
  for (const name of CREDENTIAL_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return query.get('key') ?? '';
}

/** The original behind a surrogate, as the vault has it for the reading request's credential. */
export type OriginalOf = (surrogate: string) => Promise<string | undefined>;

/** One value of the answer: the whole answer, a line of JSON Lines, or an event's data. */
interface Value {
  value: unknown;
  event?: string;
}

/**
 * Every candidate in the values' answer fields. A stream's deltas are joined per channel first:
 * a surrogate may be split across any number of them.
 */
function candidatesIn(dialect: Dialect, values: readonly Value[]): Set<string> {
  const found = new Set<string>();
  const read = (text: string, json: boolean) =>
    addSurrogateCandidates(json ? unescapeFragment(text) : text, found);
  // Joined before their escapes are undone, which a delta may split (`\` | `\Users`).
  const channels = new Map<string, { text: string; json: boolean }>();
  for (const { value, event } of values)
    for (const field of dialect.answerFields(value, event)) {
      if (field.whole === true) read(field.text, field.json);
      else {
        const channel = channels.get(field.channel);
        if (channel === undefined) channels.set(field.channel, { text: field.text, json: field.json });
        else channel.text += field.text;
      }
    }
  for (const { text, json } of channels.values()) read(text, json);
  return found;
}

async function entriesFor(candidates: Iterable<string>, originalOf: OriginalOf): Promise<RestoreEntry[]> {
  const list = [...candidates].slice(0, MAX_LOOKUPS_PER_ANSWER);
  const originals = await Promise.all(list.map((surrogate) => originalOf(surrogate)));
  const entries: RestoreEntry[] = [];
  list.forEach((surrogate, i) => {
    const original = originals[i];
    // Only shapes of the small spaces are candidates, none a secret's (surrogate-candidates.ts).
    if (original !== undefined) entries.push({ surrogate, original, secret: false });
  });
  return entries;
}

export function createReadBackRestorer(
  dialect: Dialect,
  originalOf: OriginalOf,
  options: RestoreOptions,
): ReadBackRestorer {
  const answerUrls = dialect.readBack?.answerUrls;
  return {
    stream: (onLookupFailed) => createReadBackStream(dialect, originalOf, options, onLookupFailed),
    async restore(raw, sse, rewriteUrl) {
      if (sse) return restoreEvents(dialect, raw, originalOf, options);
      const lines = dialect.readBack?.lines === true;
      const text = utf8(raw);
      // Bytes that are not UTF-8 (a binary file) are no JSON: written back, they would be changed.
      if (text === undefined) return raw;
      // JSON Lines keep their line ends and any line that is not JSON as they came.
      const parts = lines ? text.split(/(?<=\n)/) : [text];
      const values: (Value | undefined)[] = parts.map((part) => {
        if (part.trim() === '') return undefined;
        try {
          return { value: JSON.parse(part) as unknown };
        } catch {
          return undefined;
        }
      });
      const parsed = values.filter((v): v is Value => v !== undefined);
      if (parsed.length === 0) return raw;
      if (answerUrls) for (const { value } of parsed) answerUrls(value, rewriteUrl);
      const restorer = createRestorer(
        dialect,
        await entriesFor(candidatesIn(dialect, parsed), originalOf),
        options,
      );
      if (!restorer && !answerUrls) return raw;
      const out = parts.map((part, i) => {
        const v = values[i];
        if (v === undefined) return part;
        restorer?.json(v.value);
        const eol = /\r?\n$/.exec(part)?.[0] ?? '';
        return JSON.stringify(v.value) + eol;
      });
      return Buffer.from(out.join(''));
    },
  };
}

/** An SSE answer read whole: restored by the stream restorer, as it would have been live. */
async function restoreEvents(
  dialect: Dialect,
  raw: Buffer,
  originalOf: OriginalOf,
  options: RestoreOptions,
): Promise<Buffer> {
  const parser = new SseParser();
  const events: StreamEvent[] = [...parser.push(raw), ...parser.end()];
  const values: Value[] = events.map((ev) => ({ value: eventData(ev), event: ev.event }));
  const restorer = createRestorer(
    dialect,
    await entriesFor(candidatesIn(dialect, values), originalOf),
    options,
  );
  if (!restorer) return raw;
  const stream = restorer.stream();
  return Buffer.concat([...events.map((ev) => stream.event(ev)), stream.end()]);
}
