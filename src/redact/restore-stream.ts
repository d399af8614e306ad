/**
 * Restores surrogates in an SSE answer, one event at a time. Per channel (a content block, a
 * tool call) it holds back only a suffix that could still become a surrogate; all else goes out
 * at once, and an event with nothing to change is forwarded as its exact bytes (`ev.raw`), never
 * re-serialized.
 *
 * Held text is released when the channel cannot continue: before any event that carries no
 * delta (`content_block_stop`, a finish chunk, `[DONE]`, and the whole values of the Responses
 * API's closing events: `output_text.done`, `response.completed`), except pings and comments;
 * before a delta of another channel of the same choice or output item (an OpenAI chunk's tool
 * call after its content); and at the end of the stream. It goes out as a synthesized delta of
 * the channel's own shape: a copy of the channel's last delta event with every other text
 * emptied. Where events are numbered (the Responses API's `sequence_number`), the copy takes
 * the next number and every later event moves up by one, so the numbers stay one apart.
 */
import type { AnswerField, Dialect } from '../dialects/types.js';
import type { StreamEvent, StreamRestorer } from '../gateway/inspector.js';
import { parseEventData } from '../sse/event-data.js';
import { formatEvent } from '../sse/writer.js';
import type { Matcher } from './matcher.js';
import { isToolField, isWholeField, restoreStep, restoreWhole, type RestoreOptions } from './restore-text.js';

const isDelta = (field: AnswerField): boolean => !isWholeField(field);

interface Channel {
  held: string;
  prev: string;
  json: boolean;
  secrets: boolean;
  /** The last delta event of this channel: the shape a flush is written in. */
  template?: { event: string | undefined; data: unknown; eol: '\n' | '\r\n' };
}

/**
 * Anthropic's delta events, exactly as the API writes them (the bulk of a streamed answer), with
 * a text that holds no escape: the regex match gives the very object JSON.parse would (same keys
 * in the same order, the text as written), at a fraction of the cost. Anything else, or the
 * slightest difference in shape or spacing, is parsed by JSON.parse as before.
 */
// Control characters are refused, as JSON.parse refuses them raw in a string.
const ANTHROPIC_DELTA =
  // eslint-disable-next-line no-control-regex
  /^\{"type":"content_block_delta","index":(0|[1-9][0-9]{0,8}),"delta":\{"type":"(text_delta|input_json_delta|thinking_delta)","(text|partial_json|thinking)":"([^"\\\u0000-\u001f]*)"\}\}$/;
const DELTA_FIELD: Readonly<Record<string, string>> = {
  text_delta: 'text',
  input_json_delta: 'partial_json',
  thinking_delta: 'thinking',
};

/** The JSON value of an event's data: `parseEventData`, with Anthropic's deltas read directly. */
export function eventData(ev: Pick<StreamEvent, 'data' | 'comment'>): unknown {
  if (ev.comment !== true && ev.data.startsWith('{"type":"content_block_delta"')) {
    const m = ANTHROPIC_DELTA.exec(ev.data);
    if (m !== null && DELTA_FIELD[m[2] as string] === m[3]) {
      const delta: Record<string, string> = { type: m[2] as string };
      delta[m[3] as string] = m[4] as string;
      return { type: 'content_block_delta', index: Number(m[1]), delta };
    }
  }
  return parseEventData(ev);
}

function eolOf(raw: Buffer): '\n' | '\r\n' {
  return raw.indexOf(13) >= 0 ? '\r\n' : '\n';
}

function isPing(ev: StreamEvent, data: unknown): boolean {
  return (
    ev.event === 'ping' ||
    (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'ping')
  );
}

/**
 * A channel's choice or output item and its kind within it: the first two parts of its name
 * (`0:content`, `0:tool` of `0:tool:1`, `0:thought`). Channels of one choice and another kind
 * do not interleave (an OpenAI choice's content ends where its tool calls begin); those of one
 * kind may (two tool calls streamed side by side), and choices may (`n` > 1).
 */
function siblingOf(channel: string): { group: string; kind: string } {
  const [group = '', kind = ''] = channel.split(':', 2);
  return { group, kind };
}

/**
 * An event that also finishes its candidate (Gemini `finishReason`, an OpenAI chunk with a
 * `finish_reason`, a legacy Complete event with a `stop_reason`): its text is the last of the
 * stream, so nothing is held back from it — a flush after it would repeat the finish in a
 * synthesized copy.
 */
function isFinishing(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  if (typeof (data as { stop_reason?: unknown }).stop_reason === 'string') return true;
  const { candidates, choices } = data as { candidates?: unknown; choices?: unknown };
  const list = Array.isArray(candidates) ? candidates : Array.isArray(choices) ? choices : undefined;
  return (
    list !== undefined &&
    list.length > 0 &&
    list.every((c: unknown) => {
      const o = c as { finishReason?: unknown; finish_reason?: unknown } | null;
      return (
        o !== null &&
        typeof o === 'object' &&
        (typeof o.finishReason === 'string' || typeof o.finish_reason === 'string')
      );
    })
  );
}

class DialectStreamRestorer implements StreamRestorer {
  private readonly channels = new Map<string, Channel>();
  private pending = 0;
  /** Synthesized events so far in a numbered stream: what later events' numbers move up by. */
  private seqShift = 0;
  /** The number of the last event sent in a numbered stream (as sent, shift included). */
  private lastSeq: number | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly matcher: Matcher,
    private readonly options: RestoreOptions,
  ) {}

  event(ev: StreamEvent): Buffer {
    if (ev.comment) return ev.raw;
    const data = eventData(ev);
    const fields = data === undefined ? [] : this.dialect.answerFields(data, ev.event);
    let before: Buffer | undefined;
    if (this.pending > 0) {
      if (!fields.some(isDelta)) {
        if (!isPing(ev, data)) before = this.flush(() => true);
      } else before = this.flushSiblings(fields);
    }
    let changed = this.renumber(data);
    const last = isFinishing(data);
    for (const field of fields) {
      if (this.restoreField(field, ev, data, last)) changed = true;
    }
    const own = changed
      ? Buffer.from(
          formatEvent({ event: ev.event, data: JSON.stringify(data) }, { eol: eolOf(ev.raw) }),
          'utf8',
        )
      : ev.raw;
    return before === undefined || before.length === 0 ? own : Buffer.concat([before, own]);
  }

  /** Held text of the channels that this event's deltas end (see siblingOf). */
  private flushSiblings(fields: readonly AnswerField[]): Buffer | undefined {
    const deltas = fields.filter(isDelta).map((f) => siblingOf(f.channel));
    const ended = (name: string): boolean => {
      const held = siblingOf(name);
      return deltas.some((d) => d.group === held.group && d.kind !== held.kind);
    };
    let any = false;
    for (const [name, ch] of this.channels) if (ch.held !== '' && ended(name)) any = true;
    return any ? this.flush(ended) : undefined;
  }

  /** Moves a numbered event's number up past the synthesized ones; true when it changed. */
  private renumber(data: unknown): boolean {
    if (typeof data !== 'object' || data === null) return false;
    const numbered = data as { sequence_number?: unknown };
    if (typeof numbered.sequence_number !== 'number') return false;
    numbered.sequence_number += this.seqShift;
    this.lastSeq = numbered.sequence_number;
    return this.seqShift !== 0;
  }

  end(): Buffer {
    return this.pending === 0 ? Buffer.alloc(0) : this.flush(() => true);
  }

  /** Restores one field in place; true when its text changed. */
  private restoreField(field: AnswerField, ev: StreamEvent, data: unknown, last: boolean): boolean {
    const secrets = this.options.secretsInToolCalls && isToolField(field);
    if (isWholeField(field)) {
      const restored = restoreWhole(this.matcher, field.text, field.json, secrets);
      if (restored === field.text) return false;
      field.set(restored);
      return true;
    }
    let ch = this.channels.get(field.channel);
    if (ch === undefined) {
      ch = { held: '', prev: '', json: field.json, secrets };
      this.channels.set(field.channel, ch);
    }
    const hadHeld = ch.held !== '';
    const step = restoreStep(this.matcher, ch.held, ch.prev, field.text, field.json, secrets, last);
    ch.held = step.held;
    ch.prev = step.prev;
    if (ch.held !== '') ch.template = { event: ev.event, data, eol: eolOf(ev.raw) };
    this.pending += (ch.held !== '' ? 1 : 0) - (hadHeld ? 1 : 0);
    if (step.out === field.text) return false;
    field.set(step.out);
    return true;
  }

  /** Synthesized deltas for the chosen channels still holding text, in channel order. */
  private flush(chosen: (channel: string) => boolean): Buffer {
    const out: Buffer[] = [];
    for (const [name, ch] of this.channels) {
      if (ch.held === '' || ch.template === undefined || !chosen(name)) continue;
      const text = restoreStep(this.matcher, ch.held, ch.prev, '', ch.json, ch.secrets, true).out;
      ch.held = '';
      this.pending--;
      const copy: unknown = structuredClone(ch.template.data);
      for (const field of this.dialect.answerFields(copy, ch.template.event))
        field.set(field.channel === name ? text : '');
      const numbered = copy as { sequence_number?: unknown };
      if (typeof numbered.sequence_number === 'number' && this.lastSeq !== undefined) {
        numbered.sequence_number = ++this.lastSeq;
        this.seqShift++;
      }
      out.push(
        Buffer.from(
          formatEvent({ event: ch.template.event, data: JSON.stringify(copy) }, { eol: ch.template.eol }),
          'utf8',
        ),
      );
    }
    return Buffer.concat(out);
  }
}

export function createStreamRestorer(
  dialect: Dialect,
  matcher: Matcher,
  options: RestoreOptions,
): StreamRestorer {
  return new DialectStreamRestorer(dialect, matcher, options);
}
