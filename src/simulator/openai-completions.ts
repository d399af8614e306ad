/**
 * OpenAI legacy Completions (`POST /v1/completions`), JSON and SSE, as api.openai.com spells
 * them: `text_completion` objects with the text in `choices[].text`, one choice per prompt;
 * streamed as data-only chunks, a last one with `finish_reason`, then (with
 * `stream_options.include_usage`) a usage chunk, then `data: [DONE]`. Text only: tool-call and
 * thinking steps have no place in it and are skipped.
 * https://platform.openai.com/docs/api-reference/completions
 */
import type { AnswerPlan } from './plan.js';
import type { GenerateEndpoint } from './endpoint.js';
import { bodyObject, isRecord, nowSeconds, stringField } from './endpoint.js';
import { providerError } from './errors.js';
import { openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { randomId, SSE_HEADERS, sseEvent } from './wire.js';

const DEFAULT_MODEL = 'gpt-3.5-turbo-instruct';

/** How many prompts the request holds: one per string or token array of a list, else one. */
function promptCount(req: RecordedRequest): number {
  const prompt = bodyObject(req)['prompt'];
  if (!Array.isArray(prompt) || prompt.length === 0 || prompt.every((x) => typeof x === 'number')) return 1;
  return prompt.length;
}

function deltasOf(plan: AnswerPlan): string[] {
  return plan.steps.flatMap((s) => (s.kind === 'text' ? s.deltas : []));
}

function usage(plan: AnswerPlan): Record<string, number> {
  return {
    prompt_tokens: plan.inputTokens,
    completion_tokens: plan.outputTokens,
    total_tokens: plan.inputTokens + plan.outputTokens,
  };
}

export const openaiCompletions: GenerateEndpoint = {
  provider: 'openai',
  validate(req) {
    const body = bodyObject(req);
    if (req.json === undefined) return 'We could not parse the JSON body of your request.';
    if (stringField(body, 'model') === undefined) return "Missing required parameter: 'model'.";
    if (body['prompt'] === undefined) return "Missing required parameter: 'prompt'.";
    return undefined;
  },
  streaming: (req) => bodyObject(req)['stream'] === true,
  model: (req) => stringField(bodyObject(req), 'model') ?? DEFAULT_MODEL,
  assistantTurns: () => 0,
  toolResultTurns: () => 0,

  json(plan, model, req) {
    const text = deltasOf(plan).join('');
    const choices = Array.from({ length: promptCount(req) }, (_, index) => ({
      text,
      index,
      logprobs: null,
      finish_reason: 'stop',
    }));
    const body = {
      id: randomId('cmpl-', 29),
      object: 'text_completion',
      created: nowSeconds(),
      model,
      choices,
      usage: usage(plan),
    };
    return { body, headers: openaiHeaders() };
  },

  stream(plan, model, req) {
    const options = bodyObject(req)['stream_options'];
    const includeUsage = isRecord(options) && options['include_usage'] === true;
    const id = randomId('cmpl-', 29);
    const created = nowSeconds();
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      sseEvent({ id, object: 'text_completion', created, choices, model, ...extra });
    const events: string[] = [];
    const usageNull = includeUsage ? { usage: null } : {};
    for (let index = 0; index < promptCount(req); index++) {
      for (const text of deltasOf(plan))
        events.push(chunk([{ text, index, logprobs: null, finish_reason: null }], usageNull));
      events.push(chunk([{ text: '', index, logprobs: null, finish_reason: 'stop' }], usageNull));
    }
    if (includeUsage) events.push(chunk([], { usage: usage(plan) }));
    events.push(sseEvent('[DONE]'));
    return { headers: { ...SSE_HEADERS, ...openaiHeaders() }, events };
  },
  // A data-only chunk holding just `error`, as Chat Completions sends it.
  streamError: (spec) => sseEvent(providerError('openai', { ...spec, status: spec.status ?? 500 }).body),
};
