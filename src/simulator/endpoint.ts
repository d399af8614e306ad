/**
 * What each generation endpoint (Anthropic Messages, legacy Complete, OpenAI Chat, Responses,
 * Gemini generateContent) tells the server: how to read the request and how to spell a plan as a
 * JSON answer or as a stream. Static endpoints (models lists, count_tokens) are plain handlers.
 */
import type { Provider } from '../errors.js';
import type { AnswerPlan } from './plan.js';
import type { RecordedRequest, StreamErrorSpec } from './types.js';

export interface StreamAnswer {
  headers: Record<string, string>;
  events: string[];
}

export interface GenerateEndpoint {
  provider: Provider;
  /** A 400 message when the request lacks what the real API requires, else undefined. */
  validate(req: RecordedRequest, query: URLSearchParams): string | undefined;
  streaming(req: RecordedRequest, query: URLSearchParams): boolean;
  model(req: RecordedRequest): string;
  /** Assistant turns already in the conversation (for `turnBy: 'history'`). */
  assistantTurns(req: RecordedRequest): number;
  /** Turns that carried tool results back (for `turnBy: 'toolResults'`). */
  toolResultTurns(req: RecordedRequest): number;
  /** `id`: the answer's id, for an answer the API also keeps for a later GET (stored.ts). */
  json(
    plan: AnswerPlan,
    model: string,
    req: RecordedRequest,
    id?: string,
  ): { body: unknown; headers: Record<string, string> };
  stream(
    plan: AnswerPlan,
    model: string,
    req: RecordedRequest,
    query: URLSearchParams,
    id?: string,
  ): StreamAnswer;
  /** The event that ends a stream with an error, `eventsBefore` events into it. */
  streamError(spec: StreamErrorSpec, eventsBefore: number, query: URLSearchParams): string;
}

/** A static answer: status, JSON body and extra headers. */
export interface StaticAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request's JSON body as an object, or an empty one. */
export function bodyObject(req: RecordedRequest): Record<string, unknown> {
  return isRecord(req.json) ? req.json : {};
}

export function stringField(obj: Record<string, unknown>, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

/** Number of maximal runs of items for which `isAssistant` holds (one run per assistant turn). */
export function countRuns(items: unknown, isAssistant: (item: Record<string, unknown>) => boolean): number {
  if (!Array.isArray(items)) return 0;
  let runs = 0;
  let inRun = false;
  for (const item of items) {
    const assistant = isRecord(item) && isAssistant(item);
    if (assistant && !inRun) runs++;
    inRun = assistant;
  }
  return runs;
}

/** Whether `value` is an array holding an object for which `test` holds. */
export function someItem(value: unknown, test: (item: Record<string, unknown>) => boolean): boolean {
  return Array.isArray(value) && value.some((item) => isRecord(item) && test(item));
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
