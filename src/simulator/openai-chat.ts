/**
 * OpenAI Chat Completions (JSON and SSE) and the models list, as api.openai.com spells them:
 * data-only SSE chunks of `chat.completion.chunk` ending with `data: [DONE]`; a tool call arrives
 * as a first delta carrying id, type and function.name with empty arguments, then argument
 * fragments (https://platform.openai.com/docs/api-reference/chat-streaming).
 */
import type { AnswerPlan, PlannedToolCall } from './plan.js';
import { hasToolCall } from './plan.js';
import type { GenerateEndpoint, StaticAnswer } from './endpoint.js';
import { bodyObject, countRuns, isRecord, nowSeconds, stringField } from './endpoint.js';
import { providerError } from './errors.js';
import { randomId, SSE_HEADERS, sseEvent } from './wire.js';

export const DEFAULT_OPENAI_MODEL = 'gpt-4.1-2025-04-14';

const MODELS = ['gpt-4.1-2025-04-14', 'gpt-4o-2024-08-06', 'gpt-5-2025-08-07', 'gpt-5-codex'];

export function openaiHeaders(): Record<string, string> {
  return {
    'x-request-id': randomId('req_', 32),
    'openai-processing-ms': '1',
    'openai-version': '2020-10-01',
  };
}

function chatUsage(plan: AnswerPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.inputTokens,
    completion_tokens: plan.outputTokens,
    total_tokens: plan.inputTokens + plan.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toolCalls(plan: AnswerPlan): { call: PlannedToolCall; id: string }[] {
  return plan.steps
    .filter((s): s is PlannedToolCall => s.kind === 'tool')
    .map((call) => ({ call, id: call.id ?? randomId('call_') }));
}

function textOf(plan: AnswerPlan): string {
  return plan.steps.map((s) => (s.kind === 'text' ? s.text : '')).join('');
}

const FINGERPRINT = 'fp_simulator';

export const openaiChat: GenerateEndpoint = {
  provider: 'openai',
  validate(req) {
    const body = bodyObject(req);
    if (req.json === undefined) return 'We could not parse the JSON body of your request.';
    if (stringField(body, 'model') === undefined) return "Missing required parameter: 'model'.";
    if (!Array.isArray(body['messages'])) return "Missing required parameter: 'messages'.";
    return undefined;
  },
  streaming: (req) => bodyObject(req)['stream'] === true,
  model: (req) => stringField(bodyObject(req), 'model') ?? DEFAULT_OPENAI_MODEL,
  assistantTurns: (req) => countRuns(bodyObject(req)['messages'], (m) => m['role'] === 'assistant'),
  toolResultTurns: (req) =>
    countRuns(bodyObject(req)['messages'], (m) => m['role'] === 'tool' || m['role'] === 'function'),

  json(plan, model, _req, id = randomId('chatcmpl-', 29)) {
    const calls = toolCalls(plan);
    const text = textOf(plan);
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: text.length > 0 || calls.length === 0 ? text : null,
      refusal: null,
      annotations: [],
    };
    if (calls.length > 0) {
      message['tool_calls'] = calls.map(({ call, id }) => ({
        id,
        type: 'function',
        function: { name: call.name, arguments: call.argsJson },
      }));
    }
    const body = {
      id,
      object: 'chat.completion',
      created: nowSeconds(),
      model,
      choices: [
        { index: 0, message, logprobs: null, finish_reason: hasToolCall(plan) ? 'tool_calls' : 'stop' },
      ],
      usage: chatUsage(plan),
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    };
    return { body, headers: openaiHeaders() };
  },

  stream(plan, model, req) {
    const options = bodyObject(req)['stream_options'];
    const includeUsage = isRecord(options) && options['include_usage'] === true;
    return { headers: { ...SSE_HEADERS, ...openaiHeaders() }, events: chatChunks(plan, model, includeUsage) };
  },
  // A data-only chunk holding just `error`; the SDK raises it as an APIError.
  streamError: (spec) => sseEvent(providerError('openai', { ...spec, status: spec.status ?? 500 }).body),
};

/** The chunk sequence; `includeUsage` mirrors `stream_options.include_usage`. */
function chatChunks(plan: AnswerPlan, model: string, includeUsage: boolean): string[] {
  const id = randomId('chatcmpl-', 29);
  const created = nowSeconds();
  const chunk = (delta: Record<string, unknown>, finish: string | null): string => {
    const data: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (includeUsage === true) data['usage'] = null;
    return sseEvent(data);
  };
  const events = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  let toolIndex = 0;
  for (const step of plan.steps) {
    if (step.kind === 'text') {
      for (const content of step.deltas) events.push(chunk({ content }, null));
      continue;
    }
    if (step.kind === 'thinking') continue; // Chat Completions does not expose reasoning text
    const index = toolIndex++;
    const first = {
      index,
      id: step.id ?? randomId('call_'),
      type: 'function',
      function: { name: step.name, arguments: '' },
    };
    events.push(chunk({ tool_calls: [first] }, null));
    for (const args of step.fragments)
      events.push(chunk({ tool_calls: [{ index, function: { arguments: args } }] }, null));
  }
  events.push(chunk({}, hasToolCall(plan) ? 'tool_calls' : 'stop'));
  if (includeUsage === true) {
    const usageChunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
      choices: [],
      usage: chatUsage(plan),
    };
    events.push(sseEvent(usageChunk));
  }
  events.push(sseEvent('[DONE]'));
  return events;
}

export function openaiModels(id: string | undefined): StaticAnswer {
  const model = (m: string) => ({ id: m, object: 'model', created: 1_700_000_000, owned_by: 'openai' });
  if (id !== undefined) return { status: 200, body: model(id), headers: openaiHeaders() };
  return { status: 200, body: { object: 'list', data: MODELS.map(model) }, headers: openaiHeaders() };
}
