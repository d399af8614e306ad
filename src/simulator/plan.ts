/**
 * Turns a scripted answer into a provider-neutral plan: text steps split into deltas, tool calls
 * with their arguments resolved against the request and split into JSON fragments, plus plausible
 * token counts. Each dialect then only decides how the plan is spelled on the wire.
 */
import type { AnswerCoding, AnswerReply, ArgValue, FromRequest, StreamShape } from './types.js';

export interface PlannedText {
  kind: 'text';
  text: string;
  deltas: string[];
}

/** Visible reasoning, split like text. */
export interface PlannedThinking {
  kind: 'thinking';
  text: string;
  deltas: string[];
}

export interface PlannedToolCall {
  kind: 'tool';
  id: string | undefined;
  name: string;
  args: Record<string, unknown>;
  argsJson: string;
  /** `argsJson` cut into fragments of a few code points, so a value can straddle events. */
  fragments: string[];
}

export type PlannedStep = PlannedText | PlannedThinking | PlannedToolCall;

export interface AnswerPlan {
  steps: PlannedStep[];
  inputTokens: number;
  outputTokens: number;
  pacingMs: number;
  dropAfterEvents: number | undefined;
  stallAfterEvents: number | undefined;
  compress: AnswerCoding | undefined;
}

/** A script referred to something the request does not contain; answered as a 400. */
export class ScriptMismatchError extends Error {
  override name = 'ScriptMismatchError';
}

export const DEFAULT_ARGS_CHUNK_SIZE = 4;

/** Every string leaf of a JSON value, depth first — the JSON-unescaped text of the request. */
export function stringLeaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringLeaves(item, out);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) stringLeaves(item, out);
  return out;
}

/** The text `fromRequest` patterns search: string leaves of a JSON body, or the raw text otherwise. */
export function requestText(json: unknown, raw: Buffer): string {
  return json === undefined ? raw.toString('utf8') : stringLeaves(json).join('\n');
}

/** Rough token estimate (about four characters per token), never below 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Split into pieces of `size` code points, never inside a UTF-16 surrogate pair. */
export function splitCodePoints(text: string, size: number): string[] {
  const points = Array.from(text);
  const n = Math.max(1, Math.floor(size));
  const out: string[] = [];
  for (let i = 0; i < points.length; i += n) out.push(points.slice(i, i + n).join(''));
  return out;
}

/** One piece per word, each keeping the whitespace that follows it, so pieces join back exactly. */
export function splitWords(text: string): string[] {
  return text.length === 0 ? [] : text.split(/(?<=\S\s+)(?=\S)/u);
}

function isFromRequest(value: ArgValue): value is FromRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { fromRequest?: unknown }).fromRequest === 'string'
  );
}

function resolveFromRequest(ref: FromRequest, text: string): string {
  const flags = (ref.flags ?? '').replace(/[gy]/g, '');
  const match = new RegExp(ref.fromRequest, flags).exec(text);
  const captured = match?.[1];
  if (captured !== undefined)
    return ref.template === undefined ? captured : ref.template.replaceAll('$1', captured);
  if (ref.fallback !== undefined) return ref.fallback;
  throw new ScriptMismatchError(
    `Simulator script: fromRequest /${ref.fromRequest}/${flags} matched nothing (or captured nothing) in the request`,
  );
}

/** Replace every `{ fromRequest }` in an argument value by what it captures in `text`. */
export function resolveArg(value: ArgValue, text: () => string): unknown {
  if (isFromRequest(value)) return resolveFromRequest(value, text());
  if (Array.isArray(value)) return value.map((item: ArgValue) => resolveArg(item, text));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, ArgValue>))
      out[key] = resolveArg(item, text);
    return out;
  }
  return value;
}

export interface PlanContext {
  /** The searchable request text, computed on first use. */
  requestText: () => string;
  /** Prompt size in tokens; from the body length, so plain answers never walk the body. */
  inputTokens: () => number;
  /** Simulator-wide stream shape; the reply's own fields win. */
  defaults: Required<Pick<StreamShape, 'pacingMs' | 'argsChunkSize'>> & Pick<StreamShape, 'chunkSize'>;
}

/**
 * Adjacent text steps are one block of text to the model (a script splits them only to mix
 * literals with `fromRequest` values), so they become one content block / output item.
 */
function mergeAdjacentTexts(steps: PlannedStep[]): PlannedStep[] {
  const out: PlannedStep[] = [];
  for (const step of steps) {
    const last = out.at(-1);
    if (step.kind !== 'tool' && last !== undefined && last.kind === step.kind) {
      out[out.length - 1] = {
        kind: step.kind,
        text: last.text + step.text,
        deltas: [...last.deltas, ...step.deltas],
      };
    } else {
      out.push(step);
    }
  }
  return out;
}

export function planAnswer(reply: AnswerReply, ctx: PlanContext): AnswerPlan {
  const chunkSize = reply.chunkSize ?? ctx.defaults.chunkSize;
  const argsChunkSize = reply.argsChunkSize ?? ctx.defaults.argsChunkSize;
  let outputChars = 0;
  const planned = reply.reply.map((step): PlannedStep => {
    if ('text' in step || 'thinking' in step) {
      const source = 'text' in step ? step.text : step.thinking;
      const text = typeof source === 'string' ? source : resolveFromRequest(source, ctx.requestText());
      outputChars += text.length;
      const deltas = chunkSize === undefined ? splitWords(text) : splitCodePoints(text, chunkSize);
      return 'text' in step ? { kind: 'text', text, deltas } : { kind: 'thinking', text, deltas };
    }
    const args = resolveArg(step.toolCall.args, ctx.requestText) as Record<string, unknown>;
    const argsJson = JSON.stringify(args);
    outputChars += argsJson.length + step.toolCall.name.length;
    return {
      kind: 'tool',
      id: step.toolCall.id,
      name: step.toolCall.name,
      args,
      argsJson,
      fragments: splitCodePoints(argsJson, argsChunkSize),
    };
  });
  return {
    steps: mergeAdjacentTexts(planned),
    inputTokens: ctx.inputTokens(),
    outputTokens: Math.max(1, Math.ceil(outputChars / 4)),
    pacingMs: reply.pacingMs ?? ctx.defaults.pacingMs,
    dropAfterEvents: reply.dropAfterEvents,
    stallAfterEvents: reply.stallAfterEvents,
    compress: reply.compress,
  };
}

/** Whether any step is a tool call (decides stop reasons such as `tool_use` / `tool_calls`). */
export function hasToolCall(plan: AnswerPlan): boolean {
  return plan.steps.some((s) => s.kind === 'tool');
}
