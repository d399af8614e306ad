/**
 * Restores surrogates in an SSE answer, one event at a time. Per channel (a content block, a
 * tool call) it holds back only a suffix that could still become a surrogate; all else goes out
 * at once, and an event with nothing to change is forwarded as its exact bytes (`ev.raw`), never
 * re-serialized.
 *
 * Held text is released when the channel cannot continue: before any event that carries no
 * text (`content_block_stop`, a finish chunk, `[DONE]`), except pings and comments, and at the
 * end of the stream. It goes out as a synthesized delta of the channel's own shape: a copy of
 * the channel's last delta event with every other text emptied.
 */
import type { AnswerField, Dialect } from '../dialects/types.js';
import type { StreamEvent, StreamRestorer } from '../gateway/inspector.js';
import { parseEventData } from '../sse/event-data.js';
import { formatEvent } from '../sse/writer.js';
import type { SurrogateMatcher } from './matcher.js';
import { isToolField, isWholeField, restoreStep, restoreWhole, type RestoreOptions } from './restore-text.js';

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
 * An event that also finishes its candidate (Gemini `finishReason`, an OpenAI chunk with a
 * `finish_reason`): its text is the last of the stream, so nothing is held back from it — a
 * flush after it would repeat the finish in a synthesized copy.
 */
function isFinishing(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
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

  constructor(
    private readonly dialect: Dialect,
    private readonly matcher: SurrogateMatcher,
    private readonly options: RestoreOptions,
  ) {}

  event(ev: StreamEvent): Buffer {
    if (ev.comment) return ev.raw;
    const data = eventData(ev);
    const fields = data === undefined ? [] : this.dialect.answerFields(data, ev.event);
    if (fields.length === 0) {
      if (this.pending === 0 || isPing(ev, data)) return ev.raw;
      return Buffer.concat([this.flush(), ev.raw]);
    }
    let changed = false;
    const last = isFinishing(data);
    for (const field of fields) {
      if (this.restoreField(field, ev, data, last)) changed = true;
    }
    if (!changed) return ev.raw;
    return Buffer.from(
      formatEvent({ event: ev.event, data: JSON.stringify(data) }, { eol: eolOf(ev.raw) }),
      'utf8',
    );
  }

  end(): Buffer {
    return this.pending === 0 ? Buffer.alloc(0) : this.flush();
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

  /** Synthesized deltas for every channel still holding text, in channel order. */
  private flush(): Buffer {
    const out: Buffer[] = [];
    for (const [name, ch] of this.channels) {
      if (ch.held === '' || ch.template === undefined) continue;
      const text = restoreStep(this.matcher, ch.held, ch.prev, '', ch.json, ch.secrets, true).out;
      ch.held = '';
      this.pending--;
      const copy: unknown = structuredClone(ch.template.data);
      for (const field of this.dialect.answerFields(copy, ch.template.event))
        field.set(field.channel === name ? text : '');
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
  matcher: SurrogateMatcher,
  options: RestoreOptions,
): StreamRestorer {
  return new DialectStreamRestorer(dialect, matcher, options);
}
