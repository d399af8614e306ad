/**
 * Anthropic Messages API (JSON and SSE), the legacy Text Completions API, count_tokens and the
 * models list, spelled exactly as api.anthropic.com does: message_start, content_block_start,
 * ping, content_block_delta (text_delta / input_json_delta), content_block_stop, message_delta,
 * message_stop. See https://docs.anthropic.com/en/docs/build-with-claude/streaming.
 */
import type { AnswerPlan, PlannedStep } from './plan.js';
import { estimateTokens, hasToolCall, requestText } from './plan.js';
import type { GenerateEndpoint, StaticAnswer } from './endpoint.js';
import { bodyObject, countRuns, isRecord, someItem, stringField } from './endpoint.js';
import { providerError } from './errors.js';
import { signatureHolds, signText } from './signatures.js';
import type { RecordedRequest, StreamErrorSpec } from './types.js';
import { randomId, SSE_HEADERS, sseEvent } from './wire.js';

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-6';

const MODELS = [
  { id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' },
  { id: 'claude-opus-4-6', display_name: 'Claude Opus 4.6', created_at: '2026-02-05T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
];

function usage(input: number, output: number): Record<string, unknown> {
  return {
    input_tokens: input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    service_tier: 'standard',
  };
}

function responseHeaders(): Record<string, string> {
  return {
    'request-id': randomId('req_011', 21),
    'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
  };
}

function requireMessagesShape(req: RecordedRequest, needsMaxTokens: boolean): string | undefined {
  if (req.headers['anthropic-version'] === undefined) return 'anthropic-version: header is required';
  const body = bodyObject(req);
  if (req.json === undefined) return 'Request body must be JSON';
  if (stringField(body, 'model') === undefined) return 'model: Field required';
  if (!Array.isArray(body['messages'])) return 'messages: Field required';
  if (needsMaxTokens && typeof body['max_tokens'] !== 'number') return 'max_tokens: Field required';
  return changedThinking(body['messages'] as unknown[]);
}

/** The API's refusal of a thinking block sent back other than it was signed. */
function changedThinking(messages: readonly unknown[]): string | undefined {
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message) || message['role'] !== 'assistant' || !Array.isArray(message['content'])) continue;
    for (const [j, block] of (message['content'] as unknown[]).entries()) {
      if (!isRecord(block) || block['type'] !== 'thinking') continue;
      const { thinking, signature } = block;
      if (
        typeof thinking === 'string' &&
        typeof signature === 'string' &&
        !signatureHolds(thinking, signature)
      )
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
    }
  }
  return undefined;
}

function contentBlock(step: PlannedStep, toolIds: Map<PlannedStep, string>): Record<string, unknown> {
  switch (step.kind) {
    case 'text':
      return { type: 'text', text: step.text };
    case 'thinking':
      return { type: 'thinking', thinking: step.text, signature: signText(step.text) };
    case 'tool':
      return { type: 'tool_use', id: toolIds.get(step), name: step.name, input: step.args };
  }
}

/** The start, delta and end events of one content block. */
function blockEvents(step: PlannedStep, index: number, toolIds: Map<PlannedStep, string>): string[] {
  const event = (data: Record<string, unknown>) => sseEvent(data, String(data['type']));
  const delta = (d: Record<string, unknown>) => event({ type: 'content_block_delta', index, delta: d });
  const start = (content_block: Record<string, unknown>) =>
    event({ type: 'content_block_start', index, content_block });
  const out: string[] = [];
  switch (step.kind) {
    case 'text':
      out.push(start({ type: 'text', text: '' }));
      for (const text of step.deltas) out.push(delta({ type: 'text_delta', text }));
      break;
    case 'thinking':
      out.push(start({ type: 'thinking', thinking: '', signature: '' }));
      for (const thinking of step.deltas) out.push(delta({ type: 'thinking_delta', thinking }));
      out.push(delta({ type: 'signature_delta', signature: signText(step.text) }));
      break;
    case 'tool':
      out.push(start({ type: 'tool_use', id: toolIds.get(step), name: step.name, input: {} }));
      // Like the real API: an empty partial_json first, then fragments of the arguments JSON.
      for (const partial_json of ['', ...step.fragments])
        out.push(delta({ type: 'input_json_delta', partial_json }));
      break;
  }
  out.push(event({ type: 'content_block_stop', index }));
  return out;
}

function toolIdsFor(plan: AnswerPlan): Map<PlannedStep, string> {
  const ids = new Map<PlannedStep, string>();
  for (const step of plan.steps) if (step.kind === 'tool') ids.set(step, step.id ?? randomId('toolu_01'));
  return ids;
}

function stopReason(plan: AnswerPlan): string {
  return hasToolCall(plan) ? 'tool_use' : 'end_turn';
}

export const anthropicMessages: GenerateEndpoint = {
  provider: 'anthropic',
  validate: (req) => requireMessagesShape(req, true),
  streaming: (req) => bodyObject(req)['stream'] === true,
  model: (req) => stringField(bodyObject(req), 'model') ?? DEFAULT_ANTHROPIC_MODEL,
  assistantTurns: (req) => countRuns(bodyObject(req)['messages'], (m) => m['role'] === 'assistant'),
  toolResultTurns: (req) =>
    countRuns(bodyObject(req)['messages'], (m) =>
      someItem(m['content'], (block) => block['type'] === 'tool_result'),
    ),

  json(plan, model) {
    const ids = toolIdsFor(plan);
    const body = {
      id: randomId('msg_01'),
      type: 'message',
      role: 'assistant',
      model,
      content: plan.steps.map((s) => contentBlock(s, ids)),
      stop_reason: stopReason(plan),
      stop_sequence: null,
      usage: usage(plan.inputTokens, plan.outputTokens),
    };
    return { body, headers: responseHeaders() };
  },

  stream(plan, model) {
    const ids = toolIdsFor(plan);
    const events: string[] = [];
    const message = {
      id: randomId('msg_01'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(plan.inputTokens, 1),
    };
    events.push(sseEvent({ type: 'message_start', message }, 'message_start'));
    plan.steps.forEach((step, index) => {
      const [first = '', ...rest] = blockEvents(step, index, ids);
      // The real API sends one ping right after the first content block starts.
      events.push(first, ...(index === 0 ? [sseEvent({ type: 'ping' }, 'ping')] : []), ...rest);
    });
    if (plan.steps.length === 0) events.push(sseEvent({ type: 'ping' }, 'ping'));
    const messageDelta = {
      type: 'message_delta',
      delta: { stop_reason: stopReason(plan), stop_sequence: null },
      usage: {
        input_tokens: plan.inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: plan.outputTokens,
      },
    };
    events.push(sseEvent(messageDelta, 'message_delta'));
    events.push(sseEvent({ type: 'message_stop' }, 'message_stop'));
    return { headers: { ...SSE_HEADERS, ...responseHeaders() }, events };
  },
  streamError: anthropicStreamError,
};

/** `event: error` with the same body as an HTTP error; the SDK raises it as an APIError. */
function anthropicStreamError(spec: StreamErrorSpec): string {
  const { body } = providerError('anthropic', { ...spec, status: spec.status ?? 529 });
  return sseEvent(body, 'error');
}

function completionText(plan: AnswerPlan): string[] {
  return plan.steps.flatMap((s) => (s.kind === 'text' ? s.deltas : []));
}

/** Legacy `POST /v1/complete`: text only; tool-call steps have no place in it and are skipped. */
export const anthropicComplete: GenerateEndpoint = {
  provider: 'anthropic',
  validate(req) {
    if (req.headers['anthropic-version'] === undefined) return 'anthropic-version: header is required';
    const body = bodyObject(req);
    if (stringField(body, 'model') === undefined) return 'model: Field required';
    if (stringField(body, 'prompt') === undefined) return 'prompt: Field required';
    if (typeof body['max_tokens_to_sample'] !== 'number') return 'max_tokens_to_sample: Field required';
    return undefined;
  },
  streaming: (req) => bodyObject(req)['stream'] === true,
  model: (req) => stringField(bodyObject(req), 'model') ?? 'claude-2.1',
  assistantTurns: (req) => (stringField(bodyObject(req), 'prompt') ?? '').split('\n\nAssistant:').length - 2,
  toolResultTurns: () => 0,

  json(plan, model) {
    const id = randomId('compl_01');
    const body = {
      type: 'completion',
      id,
      completion: completionText(plan).join(''),
      stop_reason: 'stop_sequence',
      model,
      stop: '\n\nHuman:',
      log_id: id,
    };
    return { body, headers: responseHeaders() };
  },

  stream(plan, model) {
    const id = randomId('compl_01');
    const pieces = completionText(plan);
    const events: string[] = [];
    const event = (completion: string, stop_reason: string | null) =>
      sseEvent({ type: 'completion', id, completion, stop_reason, model, log_id: id }, 'completion');
    pieces.forEach((piece, i) => {
      events.push(event(piece, null));
      if (i === 0) events.push(sseEvent({ type: 'ping' }, 'ping'));
    });
    events.push(event('', 'stop_sequence'));
    return { headers: { ...SSE_HEADERS, ...responseHeaders() }, events };
  },
  streamError: anthropicStreamError,
};

export function anthropicCountTokens(req: RecordedRequest): StaticAnswer {
  const invalid = requireMessagesShape(req, false);
  if (invalid !== undefined)
    return {
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: invalid } },
    };
  return {
    status: 200,
    body: { input_tokens: estimateTokens(requestText(req.json, req.body)) },
    headers: responseHeaders(),
  };
}

function modelObject(m: (typeof MODELS)[number]): Record<string, unknown> {
  return { type: 'model', ...m };
}

export function anthropicModels(id: string | undefined): StaticAnswer {
  if (id === undefined) {
    const data = MODELS.map(modelObject);
    return {
      status: 200,
      body: {
        data,
        has_more: false,
        first_id: data[0]?.['id'] ?? null,
        last_id: data.at(-1)?.['id'] ?? null,
      },
      headers: responseHeaders(),
    };
  }
  const model = MODELS.find((m) => m.id === id) ?? {
    id,
    display_name: id,
    created_at: '2025-01-01T00:00:00Z',
  };
  return { status: 200, body: modelObject(model), headers: responseHeaders() };
}

/** An ISO 8601 time with microseconds, as the Message Batches API writes them. */
function batchTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/**
 * `POST /v1/messages/batches`: the new batch's metadata, every request still processing. The
 * results would come later from `GET /v1/messages/batches/{id}/results`, which is not simulated.
 */
export function anthropicBatchCreate(req: RecordedRequest): StaticAnswer {
  const refuse = (message: string): StaticAnswer => {
    const { body, headers } = providerError('anthropic', { status: 400, message });
    return { status: 400, body, headers };
  };
  if (req.headers['anthropic-version'] === undefined) return refuse('anthropic-version: header is required');
  const requests = bodyObject(req)['requests'];
  if (!Array.isArray(requests) || requests.length === 0) return refuse('requests: Field required');
  const bad = requests.findIndex(
    (r) => !isRecord(r) || typeof r['custom_id'] !== 'string' || !isRecord(r['params']),
  );
  if (bad !== -1) return refuse(`requests.${bad}: custom_id and params are required`);
  const now = Date.now();
  return {
    status: 200,
    body: {
      id: randomId('msgbatch_01'),
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: batchTime(now),
      expires_at: batchTime(now + 24 * 3600 * 1000),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    },
    headers: responseHeaders(),
  };
}
