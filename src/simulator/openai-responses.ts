/**
 * OpenAI Responses API (JSON and SSE). The stream follows the real event order, each event with
 * its `sequence_number`: response.created, response.in_progress, then per output item
 * output_item.added → (content_part.added, output_text.delta…, output_text.done,
 * content_part.done | function_call_arguments.delta…, function_call_arguments.done) →
 * output_item.done, and finally response.completed with the whole response.
 * See https://platform.openai.com/docs/api-reference/responses-streaming.
 */
import type { AnswerPlan, PlannedText, PlannedThinking, PlannedToolCall } from './plan.js';
import type { GenerateEndpoint } from './endpoint.js';
import { bodyObject, countRuns, nowSeconds, stringField } from './endpoint.js';
import { DEFAULT_OPENAI_MODEL, openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { providerError } from './errors.js';
import { randomId, SSE_HEADERS, sseEvent } from './wire.js';

type Item = Record<string, unknown>;

interface PlannedItem {
  /** The item as `response.completed` shows it. */
  done: Item;
  /** The item as `output_item.added` shows it (in progress, empty content). */
  added: Item;
  /** Events between added and done, without type-independent fields filled in. */
  middle: Item[];
}

function textPart(text: string): Item {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function messageItem(step: PlannedText, outputIndex: number): PlannedItem {
  const id = randomId('msg_', 48);
  const base = { item_id: id, output_index: outputIndex, content_index: 0 };
  return {
    added: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    done: { id, type: 'message', status: 'completed', content: [textPart(step.text)], role: 'assistant' },
    middle: [
      { type: 'response.content_part.added', ...base, part: textPart('') },
      ...step.deltas.map((delta) => ({ type: 'response.output_text.delta', ...base, delta, logprobs: [] })),
      { type: 'response.output_text.done', ...base, text: step.text, logprobs: [] },
      { type: 'response.content_part.done', ...base, part: textPart(step.text) },
    ],
  };
}

/** Visible reasoning is a `reasoning` item whose summary streams as reasoning_summary_text. */
function reasoningItem(step: PlannedThinking, outputIndex: number): PlannedItem {
  const id = randomId('rs_', 48);
  const base = { item_id: id, output_index: outputIndex, summary_index: 0 };
  const summary = (text: string) => ({ type: 'summary_text', text });
  return {
    added: { id, type: 'reasoning', summary: [] },
    done: { id, type: 'reasoning', summary: [summary(step.text)] },
    middle: [
      { type: 'response.reasoning_summary_part.added', ...base, part: summary('') },
      ...step.deltas.map((delta) => ({ type: 'response.reasoning_summary_text.delta', ...base, delta })),
      { type: 'response.reasoning_summary_text.done', ...base, text: step.text },
      { type: 'response.reasoning_summary_part.done', ...base, part: summary(step.text) },
    ],
  };
}

function functionCallItem(step: PlannedToolCall, outputIndex: number): PlannedItem {
  const id = randomId('fc_', 48);
  const callId = step.id ?? randomId('call_');
  const item = (status: string, args: string): Item => ({
    id,
    type: 'function_call',
    status,
    arguments: args,
    call_id: callId,
    name: step.name,
  });
  const base = { item_id: id, output_index: outputIndex };
  return {
    added: item('in_progress', ''),
    done: item('completed', step.argsJson),
    middle: [
      ...step.fragments.map((delta) => ({ type: 'response.function_call_arguments.delta', ...base, delta })),
      { type: 'response.function_call_arguments.done', ...base, name: step.name, arguments: step.argsJson },
    ],
  };
}

function planItems(plan: AnswerPlan): PlannedItem[] {
  return plan.steps.map((step, outputIndex): PlannedItem => {
    switch (step.kind) {
      case 'text':
        return messageItem(step, outputIndex);
      case 'thinking':
        return reasoningItem(step, outputIndex);
      case 'tool':
        return functionCallItem(step, outputIndex);
    }
  });
}

function responseObject(
  req: RecordedRequest,
  plan: AnswerPlan,
  model: string,
  id: string,
  status: 'in_progress' | 'completed',
  output: Item[],
): Item {
  const body = bodyObject(req);
  const usage =
    status === 'completed'
      ? {
          input_tokens: plan.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: plan.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: plan.inputTokens + plan.outputTokens,
        }
      : null;
  // The real API echoes the request's instructions, tools and settings in every response object.
  return {
    id,
    object: 'response',
    created_at: nowSeconds(),
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: body['max_output_tokens'] ?? null,
    max_tool_calls: null,
    model,
    output,
    parallel_tool_calls: body['parallel_tool_calls'] ?? true,
    previous_response_id: body['previous_response_id'] ?? null,
    prompt_cache_key: body['prompt_cache_key'] ?? null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: body['store'] ?? true,
    temperature: body['temperature'] ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: body['tools'] ?? [],
    top_logprobs: 0,
    top_p: body['top_p'] ?? 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: body['metadata'] ?? {},
  };
}

/** Input items the model wrote (its messages, tool calls, reasoning) make up its past turns. */
function isAssistantItem(item: Record<string, unknown>): boolean {
  // function_call, custom_tool_call, local_shell_call, web_search_call... and reasoning.
  const type = String(item['type']);
  return item['role'] === 'assistant' || type.endsWith('_call') || type === 'reasoning';
}

export const openaiResponses: GenerateEndpoint = {
  provider: 'openai',
  validate(req) {
    if (req.json === undefined) return 'We could not parse the JSON body of your request.';
    if (stringField(bodyObject(req), 'model') === undefined) return "Missing required parameter: 'model'.";
    return undefined;
  },
  streaming: (req) => bodyObject(req)['stream'] === true,
  model: (req) => stringField(bodyObject(req), 'model') ?? DEFAULT_OPENAI_MODEL,
  assistantTurns: (req) => countRuns(bodyObject(req)['input'], isAssistantItem),
  // function_call_output, custom_tool_call_output, local_shell_call_output...
  toolResultTurns: (req) =>
    countRuns(bodyObject(req)['input'], (item) => String(item['type']).endsWith('_call_output')),

  json(plan, model, req, id = randomId('resp_', 48)) {
    const output = planItems(plan).map((i) => i.done);
    return {
      body: responseObject(req, plan, model, id, 'completed', output),
      headers: openaiHeaders(),
    };
  },

  stream(plan, model, req, _query, id = randomId('resp_', 48)) {
    const items = planItems(plan);
    const events: string[] = [];
    let seq = 0;
    const push = (data: Item) => {
      const type = String(data['type']);
      events.push(sseEvent({ type, sequence_number: seq++, ...data }, type));
    };
    push({ type: 'response.created', response: responseObject(req, plan, model, id, 'in_progress', []) });
    push({ type: 'response.in_progress', response: responseObject(req, plan, model, id, 'in_progress', []) });
    items.forEach((item, outputIndex) => {
      push({ type: 'response.output_item.added', output_index: outputIndex, item: item.added });
      for (const event of item.middle) push(event);
      push({ type: 'response.output_item.done', output_index: outputIndex, item: item.done });
    });
    const output = items.map((i) => i.done);
    push({ type: 'response.completed', response: responseObject(req, plan, model, id, 'completed', output) });
    return { headers: { ...SSE_HEADERS, ...openaiHeaders() }, events };
  },
  streamError(spec, eventsBefore) {
    const { error } = providerError('openai', { ...spec, status: spec.status ?? 500 }).body as {
      error: { message: string; type: string };
    };
    const data = {
      type: 'error',
      code: error.type,
      message: error.message,
      param: null,
      sequence_number: eventsBefore,
    };
    return sseEvent(data, 'error');
  },
};
