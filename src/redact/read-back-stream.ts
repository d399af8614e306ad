/**
 * An SSE answer read back later (a response's events with `?stream=true`, an interaction's, a
 * managed agents session's event stream), restored as it comes rather than held to its end: such
 * a stream may run as long as the model works, or the session lasts.
 *
 * Each event's answer fields are searched for surrogate shapes (surrogate-candidates.ts) as it
 * arrives, a delta's with the trailing word of its channel so far; those the vault has not been
 * asked about yet are asked, and nothing goes on until it answered (the gateway pauses the
 * upstream meanwhile). An event whose text ends inside a word that may still grow into a
 * surrogate (`… /home/us` | `er/project-3 …`) waits, with every event after it, until the word
 * is whole: a later delta of its channel ends it, an event that is no delta ends every channel,
 * or the stream ends. Then the events go, in order, through the stream restorer a POST answer's
 * go through (restore-stream.ts), over the surrogates the vault knew: a split surrogate is known
 * whole before any of it goes, so the restorer holds its start back as it would in a POST
 * answer, and nothing else is held or added (no extra events, no renumbered ones).
 *
 * A vault that fails leaves what it was asked about as it came, reported once.
 */
import type { Dialect } from '../dialects/types.js';
import type { ReadBackStream, StreamEvent } from '../gateway/inspector.js';
import { SseParser } from '../sse/parser.js';
import { SurrogateMatcher, type Matcher, type RestoreEntry, type ScanResult } from './matcher.js';
import type { OriginalOf } from './read-back.js';
import { createStreamRestorer, eventData } from './restore-stream.js';
import { isWholeField, type RestoreOptions } from './restore-text.js';
import {
  addSurrogateCandidates,
  MAX_LOOKUPS_PER_ANSWER,
  trailingWord,
  unescapeFragment,
} from './surrogate-candidates.js';

/** The surrogates the vault made known so far: a handful per answer, so the trie is built again. */
class GrowingMatcher implements Matcher {
  private readonly entries: RestoreEntry[] = [];
  private matcher = new SurrogateMatcher([]);

  add(entries: readonly RestoreEntry[]): void {
    if (entries.length === 0) return;
    this.entries.push(...entries);
    this.matcher = new SurrogateMatcher(this.entries);
  }

  scan(text: string, prev: string, final: boolean, secrets: boolean): ScanResult {
    return this.matcher.scan(text, prev, final, secrets);
  }
}

/** A delta channel's text so far: its length, and its trailing word (where it starts, its text). */
interface Channel {
  length: number;
  wordStart: number;
  word: string;
}

/** An event not sent yet, and the words it ends inside of: channel, and where the word starts. */
interface Pending {
  ev: StreamEvent;
  words: [string, number][] | undefined;
}

function isPing(ev: StreamEvent, data: unknown): boolean {
  return (
    ev.event === 'ping' ||
    (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'ping')
  );
}

class LiveReadBack implements ReadBackStream {
  private readonly parser = new SseParser();
  private readonly matcher = new GrowingMatcher();
  private readonly restorer;
  private readonly channels = new Map<string, Channel>();
  private readonly pending: Pending[] = [];
  /** Candidates the vault was asked about (whatever it answered): each is asked once. */
  private readonly asked = new Set<string>();
  private failed = false;

  constructor(
    private readonly dialect: Dialect,
    private readonly originalOf: OriginalOf,
    options: RestoreOptions,
    private readonly onLookupFailed: (err: unknown) => void,
  ) {
    this.restorer = createStreamRestorer(dialect, this.matcher, options);
  }

  push(chunk: Buffer): Buffer | Promise<Buffer> {
    return this.take(this.parser.push(chunk), false);
  }

  end(): Buffer | Promise<Buffer> {
    return this.take(this.parser.end(), true);
  }

  abort(): Buffer {
    // What waits was searched as it came, and the vault asked (the gateway waits for its answer).
    return this.release(true);
  }

  private take(events: StreamEvent[], last: boolean): Buffer | Promise<Buffer> {
    const found = new Set<string>();
    for (const ev of events) this.pending.push(this.note(ev, found));
    let unasked: string[] | undefined;
    for (const candidate of found) {
      if (this.asked.has(candidate)) continue;
      if (this.asked.size + (unasked?.length ?? 0) >= MAX_LOOKUPS_PER_ANSWER) {
        this.overLookupBound();
        break;
      }
      (unasked ??= []).push(candidate);
    }
    if (unasked === undefined) return this.release(last);
    return this.lookUp(unasked).then(() => this.release(last));
  }

  /** Searches one event as it arrives, adding its candidates to `found`; what it waits for. */
  private note(ev: StreamEvent, found: Set<string>): Pending {
    if (ev.comment) return { ev, words: undefined };
    const data = eventData(ev);
    const fields = data === undefined ? [] : this.dialect.answerFields(data, ev.event);
    let words: [string, number][] | undefined;
    let deltas = false;
    for (const field of fields) {
      if (isWholeField(field)) {
        addSurrogateCandidates(field.json ? unescapeFragment(field.text) : field.text, found);
        continue;
      }
      deltas = true;
      let channel = this.channels.get(field.channel);
      if (channel === undefined)
        this.channels.set(field.channel, (channel = { length: 0, wordStart: 0, word: '' }));
      const text = channel.word + field.text;
      addSurrogateCandidates(field.json ? unescapeFragment(text) : text, found);
      const cut = trailingWord(text);
      channel.length += field.text.length;
      channel.wordStart = channel.length - (text.length - cut);
      channel.word = text.slice(cut);
      if (channel.word !== '') (words ??= []).push([field.channel, channel.wordStart]);
    }
    // An event that continues no text ends every word (the restorer sends what it held of them).
    if (!deltas && !isPing(ev, data)) this.channels.clear();
    return { ev, words };
  }

  /** The events that wait for no word any more (`all`: every one), restored, in order. */
  private release(all: boolean): Buffer {
    const out: Buffer[] = [];
    while (this.pending.length > 0 && (all || this.whole(this.pending[0]!))) {
      out.push(this.restorer.event(this.pending.shift()!.ev));
    }
    if (all) {
      out.push(this.restorer.end());
      this.channels.clear();
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Whether each word the event ends inside of has ended since. */
  private whole(pending: Pending): boolean {
    if (pending.words === undefined) return true;
    for (const [name, start] of pending.words) {
      const channel = this.channels.get(name);
      if (channel !== undefined && channel.wordStart === start && channel.word !== '') return false;
    }
    return true;
  }

  /** Reported once: the answer's later surrogate shapes are not looked up (MAX_LOOKUPS_PER_ANSWER). */
  private overLookupBound(): void {
    if (this.failed) return;
    this.failed = true;
    this.onLookupFailed(
      new Error(
        `the answer named more than ${MAX_LOOKUPS_PER_ANSWER} distinct strings shaped like surrogates: ` +
          'those after them are not looked up in the vault and go as they came',
      ),
    );
  }

  private async lookUp(candidates: string[]): Promise<void> {
    for (const candidate of candidates) this.asked.add(candidate);
    let originals: (string | undefined)[];
    try {
      originals = await Promise.all(candidates.map((surrogate) => this.originalOf(surrogate)));
    } catch (err) {
      // Not asked again in this answer: a vault that is down would hold every event up as long.
      if (!this.failed) this.onLookupFailed(err);
      this.failed = true;
      return;
    }
    const entries: RestoreEntry[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const original = originals[i];
      // Only shapes of the small spaces are candidates, none a secret's (surrogate-candidates.ts).
      if (original !== undefined) entries.push({ surrogate: candidates[i]!, original, secret: false });
    }
    this.matcher.add(entries);
  }
}

export function createReadBackStream(
  dialect: Dialect,
  originalOf: OriginalOf,
  options: RestoreOptions,
  onLookupFailed: (err: unknown) => void,
): ReadBackStream {
  return new LiveReadBack(dialect, originalOf, options, onLookupFailed);
}
