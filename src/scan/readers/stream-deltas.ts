/**
 * The deltas of a streamed answer (SSE events, or the elements of Gemini's streamed JSON array)
 * joined per stream part: a key is often cut over several deltas, and scanned event by event it
 * is never seen whole. A part is what the gateway's dialects call a channel: an Anthropic content
 * block, an OpenAI Chat choice's text or one of its tool calls, a Responses output item's text,
 * arguments or reasoning, a Gemini candidate's text or thoughts. Only fields that continue a part
 * are joined; ids, model names and the like, repeated in every event, are left to the per-event
 * walk, since joined they would make long high-entropy strings that no one sent.
 */
import type { JsonPath, Role } from '../../dialects/types.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

interface StreamPart {
  /** Where the part's first delta is: its event's index, then the field inside the event. */
  event: number;
  field: JsonPath;
  text: string;
  /** Events that gave the part text. */
  pieces: number;
  /** Tool-call arguments, reported as `tool_use` like a whole answer's tool calls are. */
  tool: boolean;
}

/** Responses delta events whose `delta` is tool-call input rather than text the model wrote. */
const RESPONSES_TOOL_DELTA = /_arguments\.delta$|_input\.delta$|_code\.delta$/;

export class StreamDeltas {
  private readonly parts = new Map<string, StreamPart>();
  private event = 0;

  /**
   * `prefix` is what comes before an event's index in the path of its leaves (`sse:` for the
   * line of an SSE event, nothing for an array element).
   */
  constructor(private readonly prefix: string) {}

  /**
   * Takes the deltas out of one parsed event, the `event`th. Each taken field is blanked in the
   * event, so that walking the event afterwards does not scan the same text a second time.
   */
  take(parsed: unknown, event: number): void {
    if (!isObject(parsed)) return;
    this.event = event;
    const type = parsed.type;
    if (typeof type === 'string') {
      if (type === 'content_block_delta') this.anthropicDelta(parsed);
      else if (type === 'content_block_start') this.anthropicStart(parsed);
      else if (type === 'completion') this.add('complete', parsed, 'completion', ['completion'], false);
      else if (type.startsWith('response.') && type.endsWith('.delta')) this.responsesDelta(parsed, type);
      return;
    }
    if (Array.isArray(parsed.choices)) this.chatChunk(parsed.choices);
    else if (Array.isArray(parsed.candidates)) this.geminiChunk(parsed.candidates);
  }

  /**
   * Hands each joined part to `sink`, in the order the parts began, at the path of its first
   * delta; a part made of several events is marked `joined` there (`sse:joined:4`).
   */
  flush(path: JsonPath, role: Role, sink: LeafSink): void {
    for (const part of this.parts.values()) {
      const event =
        part.pieces > 1
          ? `${this.prefix}joined:${part.event}`
          : this.prefix === ''
            ? part.event
            : `${this.prefix}${part.event}`;
      const at = [...path, event, ...part.field];
      // Joined tool-call arguments are JSON: walked, the path goes on inside them. Their keys
      // are the tool's, not a message's, so they say nothing about the role.
      walkLeaves(part.text, at, part.tool ? 'tool_use' : role, sink, false);
    }
    this.parts.clear();
  }

  private add(channel: string, container: Rec, key: string, field: JsonPath, tool: boolean): void {
    const text = container[key];
    // Empty deltas (Anthropic's first partial_json, a block's empty start) begin nothing.
    if (typeof text !== 'string' || text.length === 0) return;
    container[key] = '';
    const part = this.parts.get(channel);
    if (part === undefined) {
      this.parts.set(channel, { event: this.event, field, text, pieces: 1, tool });
    } else {
      part.text += text;
      part.pieces += 1;
    }
  }

  /** Anthropic Messages: text, thinking and tool input deltas of the content block `index`. */
  private anthropicDelta(event: Rec): void {
    const delta = event.delta;
    if (!isObject(delta)) return;
    const channel = `block:${String(event.index)}`;
    this.add(channel, delta, 'text', ['delta', 'text'], false);
    this.add(channel, delta, 'thinking', ['delta', 'thinking'], false);
    this.add(channel, delta, 'partial_json', ['delta', 'partial_json'], true);
  }

  /** A block's start holds the beginning of what its deltas continue (empty from the real API). */
  private anthropicStart(event: Rec): void {
    const block = event.content_block;
    if (!isObject(block)) return;
    const channel = `block:${String(event.index)}`;
    this.add(channel, block, 'text', ['content_block', 'text'], false);
    this.add(channel, block, 'thinking', ['content_block', 'thinking'], false);
  }

  /**
   * OpenAI Responses: every `response.*.delta` continues one part of one output item (text of a
   * content part, a reasoning summary, function call arguments...); audio deltas are base64.
   */
  private responsesDelta(event: Rec, type: string): void {
    if (type === 'response.audio.delta') return;
    const channel = `${type}:${String(event.output_index)}:${String(event.item_id)}:${String(event.content_index)}:${String(event.summary_index)}`;
    this.add(channel, event, 'delta', ['delta'], RESPONSES_TOOL_DELTA.test(type));
  }

  /** OpenAI Chat Completions: a choice's content, and each tool call's arguments by its `index`. */
  private chatChunk(choices: unknown[]): void {
    choices.forEach((choice, i) => {
      if (!isObject(choice) || !isObject(choice.delta)) return;
      const delta = choice.delta;
      const at = typeof choice.index === 'number' ? choice.index : i;
      this.add(`choice:${at}:content`, delta, 'content', ['choices', i, 'delta', 'content'], false);
      // OpenAI-compatible servers (Qwen, DeepSeek) stream reasoning beside the content.
      this.add(
        `choice:${at}:reasoning`,
        delta,
        'reasoning_content',
        ['choices', i, 'delta', 'reasoning_content'],
        false,
      );
      if (Array.isArray(delta.tool_calls)) {
        delta.tool_calls.forEach((call, j) => {
          if (!isObject(call) || !isObject(call.function)) return;
          // A delta names its call by `index`, not by its place in this chunk's list.
          const index = typeof call.index === 'number' ? call.index : j;
          const field = ['choices', i, 'delta', 'tool_calls', j, 'function', 'arguments'];
          this.add(`choice:${at}:tool:${index}`, call.function, 'arguments', field, true);
        });
      }
      if (isObject(delta.function_call)) {
        const field = ['choices', i, 'delta', 'function_call', 'arguments'];
        this.add(`choice:${at}:function`, delta.function_call, 'arguments', field, true);
      }
    });
  }

  /**
   * Gemini: each chunk continues its candidate's text, thoughts apart. Not keyed by the part's
   * place in the chunk: a chunk that ends the thoughts and starts the text has the text second,
   * the next chunk first. Function calls arrive whole and are left to the per-event walk.
   */
  private geminiChunk(candidates: unknown[]): void {
    candidates.forEach((candidate, c) => {
      if (!isObject(candidate) || !isObject(candidate.content)) return;
      const parts = candidate.content.parts;
      if (!Array.isArray(parts)) return;
      const at = typeof candidate.index === 'number' ? candidate.index : c;
      parts.forEach((part, k) => {
        if (!isObject(part)) return;
        const channel = part.thought === true ? `candidate:${at}:thought` : `candidate:${at}`;
        this.add(channel, part, 'text', ['candidates', c, 'content', 'parts', k, 'text'], false);
      });
    });
  }
}
