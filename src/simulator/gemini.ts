/**
 * Gemini API (generativelanguage.googleapis.com): generateContent, streamGenerateContent (SSE with
 * `?alt=sse`, otherwise one JSON array written element by element), countTokens and the models
 * list. Gemini sends a function call whole, in one chunk (it does not stream arguments); text is
 * split across chunks, and the last chunk carries finishReason and the usage totals.
 */
import type { AnswerPlan, PlannedStep } from './plan.js';
import { estimateTokens, requestText } from './plan.js';
import type { GenerateEndpoint, StaticAnswer } from './endpoint.js';
import { bodyObject, countRuns, isRecord, someItem } from './endpoint.js';
import type { RecordedRequest } from './types.js';
import { providerError } from './errors.js';
import { signatureHolds, signText } from './signatures.js';
import { dimensionsOf, embeddingVector } from './vectors.js';
import { randomId } from './wire.js';

export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash';

const MODELS = [
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', outputTokenLimit: 65536 },
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', outputTokenLimit: 65536 },
  { id: 'gemini-2.5-flash-lite', displayName: 'Gemini 2.5 Flash-Lite', outputTokenLimit: 65536 },
];

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' };

/** `/v1beta/models/gemini-2.5-flash:streamGenerateContent` → `gemini-2.5-flash`. */
export function geminiModelFromPath(path: string): string {
  const match = /\/models\/([^/:?]+):/.exec(path);
  return match?.[1] !== undefined ? decodeURIComponent(match[1]) : DEFAULT_GEMINI_MODEL;
}

function usageMetadata(plan: AnswerPlan, final: boolean): Record<string, unknown> {
  const prompt = {
    promptTokenCount: plan.inputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: plan.inputTokens }],
  };
  if (!final) return { ...prompt, totalTokenCount: plan.inputTokens };
  return {
    ...prompt,
    candidatesTokenCount: plan.outputTokens,
    totalTokenCount: plan.inputTokens + plan.outputTokens,
  };
}

function part(step: PlannedStep, text?: string): Record<string, unknown> {
  if (step.kind === 'text') return { text: text ?? step.text };
  if (step.kind === 'thinking') return { text: text ?? step.text, thought: true };
  const functionCall: Record<string, unknown> = { name: step.name, args: step.args };
  if (step.id !== undefined) functionCall['id'] = step.id;
  // As Gemini 3 does: the call carries the signature of the thinking that led to it.
  return { functionCall, thoughtSignature: signText(signedCall(functionCall)) };
}

/** What a function call's signature covers here: its name and its arguments as sent. */
function signedCall(functionCall: Record<string, unknown>): string {
  return `${String(functionCall['name'])}\n${JSON.stringify(functionCall['args'] ?? {})}`;
}

/** The API's refusal of a model's function call sent back other than it was signed. */
function changedCall(contents: readonly unknown[]): string | undefined {
  for (const content of contents) {
    if (!isRecord(content) || content['role'] !== 'model' || !Array.isArray(content['parts'])) continue;
    for (const part of content['parts'] as unknown[]) {
      if (!isRecord(part) || !isRecord(part['functionCall'])) continue;
      const signature = part['thoughtSignature'];
      if (typeof signature === 'string' && !signatureHolds(signedCall(part['functionCall']), signature))
        return 'Unable to submit request because Thought signature is not valid.';
    }
  }
  return undefined;
}

function chunk(
  parts: Record<string, unknown>[],
  plan: AnswerPlan,
  model: string,
  responseId: string,
  final: boolean,
): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { parts, role: 'model' } };
  if (final) candidate['finishReason'] = 'STOP';
  candidate['index'] = 0;
  return {
    candidates: [candidate],
    usageMetadata: usageMetadata(plan, final),
    modelVersion: model,
    responseId,
  };
}

/** Chunks of a streamed answer: one per text delta, one per function call. */
function streamChunks(plan: AnswerPlan, model: string): Record<string, unknown>[] {
  const responseId = randomId('', 22);
  const parts: Record<string, unknown>[][] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'tool') for (const delta of step.deltas) parts.push([part(step, delta)]);
    else parts.push([part(step)]);
  }
  if (parts.length === 0) parts.push([{ text: '' }]);
  return parts.map((p, i) => chunk(p, plan, model, responseId, i === parts.length - 1));
}

export const geminiGenerate: GenerateEndpoint = {
  provider: 'gemini',
  validate(req) {
    if (req.json === undefined) return 'Invalid JSON payload received.';
    const contents = bodyObject(req)['contents'];
    if (!Array.isArray(contents)) return '* GenerateContentRequest.contents: contents is not specified';
    return changedCall(contents);
  },
  streaming: (req) => req.path.includes(':streamGenerateContent'),
  model: (req) => geminiModelFromPath(req.path),
  assistantTurns: (req) => countRuns(bodyObject(req)['contents'], (c) => c['role'] === 'model'),
  toolResultTurns: (req) =>
    countRuns(bodyObject(req)['contents'], (c) =>
      someItem(c['parts'], (part) => part['functionResponse'] !== undefined),
    ),

  json(plan, model) {
    const parts = plan.steps.map((s) => part(s));
    return { body: chunk(parts, plan, model, randomId('', 22), true), headers: JSON_HEADERS };
  },

  stream(plan, model, _req, query) {
    const chunks = streamChunks(plan, model);
    if (query.get('alt') === 'sse') {
      // Gemini separates SSE events with CRLF pairs.
      const events = chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`);
      return { headers: { 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked' }, events };
    }
    // Without alt=sse the answer is one JSON array, sent element by element as it is produced.
    const events = chunks.map((c, i) => `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(c)}`);
    events.push(']');
    return { headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked' }, events };
  },

  streamError(spec, eventsBefore, query) {
    const body = JSON.stringify(providerError('gemini', { ...spec, status: spec.status ?? 503 }).body);
    if (query.get('alt') === 'sse') return `data: ${body}\r\n\r\n`;
    return `${eventsBefore === 0 ? '[' : ',\r\n'}${body}]`;
  },
};

export function geminiCountTokens(req: RecordedRequest): StaticAnswer {
  const tokens = estimateTokens(requestText(req.json, req.body));
  return {
    status: 200,
    body: { totalTokens: tokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: tokens }] },
    headers: JSON_HEADERS,
  };
}

function modelObject(m: (typeof MODELS)[number]): Record<string, unknown> {
  return {
    name: `models/${m.id}`,
    version: '001',
    displayName: m.displayName,
    description: `${m.displayName} (simulated)`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: m.outputTokenLimit,
    supportedGenerationMethods: [
      'generateContent',
      'countTokens',
      'createCachedContent',
      'batchGenerateContent',
    ],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: true,
  };
}

export function geminiModels(id: string | undefined): StaticAnswer {
  if (id === undefined)
    return { status: 200, body: { models: MODELS.map(modelObject) }, headers: JSON_HEADERS };
  const known = MODELS.find((m) => m.id === id) ?? { id, displayName: id, outputTokenLimit: 65536 };
  return { status: 200, body: modelObject(known), headers: JSON_HEADERS };
}

function invalidArgument(message: string): StaticAnswer {
  const { body, headers } = providerError('gemini', { status: 400, message });
  return { status: 400, body, headers };
}

/** The text of a Content's parts, for a made-up vector; undefined when there is no Content. */
function contentText(content: unknown): string | undefined {
  if (!isRecord(content) || !Array.isArray(content['parts'])) return undefined;
  return content['parts']
    .map((p) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : ''))
    .join('');
}

/** One EmbedContentRequest's ContentEmbedding, or a 400 message. */
function embedding(req: unknown, where: string): { values: number[] } | string {
  const text = isRecord(req) ? contentText(req['content']) : undefined;
  if (text === undefined) return `* ${where}content: content is not specified`;
  return {
    values: embeddingVector(text, dimensionsOf(isRecord(req) ? req['outputDimensionality'] : 0, 768)),
  };
}

/** `:embedContent` (`{embedding}`) and `:batchEmbedContents` (`{embeddings}`, one per request). */
export function geminiEmbed(req: RecordedRequest, batch: boolean): StaticAnswer {
  if (req.json === undefined) return invalidArgument('Invalid JSON payload received.');
  const body = bodyObject(req);
  if (!batch) {
    const one = embedding(body, 'EmbedContentRequest.');
    return typeof one === 'string'
      ? invalidArgument(one)
      : { status: 200, body: { embedding: one }, headers: JSON_HEADERS };
  }
  const requests = body['requests'];
  if (!Array.isArray(requests) || requests.length === 0)
    return invalidArgument('* BatchEmbedContentsRequest.requests: requests is not specified');
  const embeddings = requests.map((r, i) => embedding(r, `BatchEmbedContentsRequest.requests[${i}].`));
  const bad = embeddings.find((e) => typeof e === 'string');
  if (bad !== undefined) return invalidArgument(bad);
  return { status: 200, body: { embeddings }, headers: JSON_HEADERS };
}

/** `3600s` or `1.5s` in milliseconds; undefined when `ttl` is no duration. */
function durationMs(ttl: unknown): number | undefined {
  const m = typeof ttl === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(ttl) : null;
  return m?.[1] === undefined ? undefined : Number(m[1]) * 1000;
}

/**
 * `POST /v1beta/cachedContents`: the CachedContent created, as metadata (its contents are never
 * sent back): name, model, times, display name and the tokens it holds.
 */
export function geminiCacheCreate(req: RecordedRequest): StaticAnswer {
  if (req.json === undefined) return invalidArgument('Invalid JSON payload received.');
  const body = bodyObject(req);
  const model = body['model'];
  if (typeof model !== 'string' || model === '')
    return invalidArgument('* CachedContent.model: model is not specified');
  const now = Date.now();
  const expire =
    typeof body['expireTime'] === 'string'
      ? body['expireTime']
      : new Date(now + (durationMs(body['ttl']) ?? 3600 * 1000)).toISOString();
  const created = new Date(now).toISOString();
  const answer: Record<string, unknown> = {
    name: `cachedContents/${randomId('', 12).toLowerCase()}`,
    model: model.startsWith('models/') ? model : `models/${model}`,
    createTime: created,
    updateTime: created,
    expireTime: expire,
    usageMetadata: { totalTokenCount: estimateTokens(requestText(req.json, req.body)) },
  };
  if (typeof body['displayName'] === 'string') answer['displayName'] = body['displayName'];
  return { status: 200, body: answer, headers: JSON_HEADERS };
}
