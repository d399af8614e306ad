/**
 * Gemini Interactions API (`POST /v1beta/interactions`, @google/genai's `interactions.create`):
 * an Interaction as JSON, or with `"stream": true` SSE events named by `event_type`:
 * interaction.created, interaction.status_update, then per step step.start (the step's shell),
 * step.delta (`text` deltas, a function call's `arguments_delta` JSON fragments, a thought's
 * `thought_summary`), step.stop, and interaction.completed (status and usage, no steps), then
 * `data: [DONE]`, the sentinel the SDK reads as the end. Shapes as @google/genai 3.3 types them.
 *
 * A thought step carries a `signature` over its summary, refused when sent back changed (in a
 * stateless conversation, `store: false`, whose history the client sends as steps).
 */
import type { AnswerPlan, PlannedStep } from './plan.js';
import type { GenerateEndpoint } from './endpoint.js';
import { bodyObject, countRuns, isRecord, stringField } from './endpoint.js';
import { DEFAULT_GEMINI_MODEL } from './gemini.js';
import { providerError } from './errors.js';
import { signatureHolds, signText } from './signatures.js';
import type { RecordedRequest } from './types.js';
import { randomId, SSE_HEADERS } from './wire.js';

type Item = Record<string, unknown>;

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' };

function summaryText(step: Item): string {
  const summary = step['summary'];
  if (!Array.isArray(summary)) return '';
  return summary.map((c) => (isRecord(c) && typeof c['text'] === 'string' ? c['text'] : '')).join('');
}

/** One planned step as the Interaction lists it. */
function stepOf(step: PlannedStep): Item {
  switch (step.kind) {
    case 'text':
      return { type: 'model_output', content: [{ type: 'text', text: step.text }] };
    case 'thinking': {
      const thought: Item = { type: 'thought', summary: [{ type: 'text', text: step.text }] };
      thought['signature'] = signText(summaryText(thought));
      return thought;
    }
    case 'tool':
      return {
        type: 'function_call',
        id: step.id ?? randomId('', 8).toLowerCase(),
        name: step.name,
        arguments: step.args,
      };
  }
}

/** The refusal of a thought sent back other than it was signed. */
function changedThought(input: unknown): string | undefined {
  if (!Array.isArray(input)) return undefined;
  for (const step of input) {
    if (!isRecord(step) || step['type'] !== 'thought') continue;
    const signature = step['signature'];
    if (typeof signature === 'string' && !signatureHolds(summaryText(step), signature))
      return 'Thought signature is not valid.';
  }
  return undefined;
}

function usage(plan: AnswerPlan): Item {
  return {
    total_input_tokens: plan.inputTokens,
    total_output_tokens: plan.outputTokens,
    total_tokens: plan.inputTokens + plan.outputTokens,
  };
}

function modelOrAgent(req: RecordedRequest): Item {
  const body = bodyObject(req);
  const agent = stringField(body, 'agent');
  return agent !== undefined ? { agent } : { model: stringField(body, 'model') ?? DEFAULT_GEMINI_MODEL };
}

function interaction(req: RecordedRequest, id: string, status: string, extra: Item): Item {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return { id, object: 'interaction', status, ...modelOrAgent(req), created: now, updated: now, ...extra };
}

/** Steps the model wrote, in the history a stateless client sends back (`input` as steps). */
const MODEL_STEPS: ReadonlySet<unknown> = new Set(['model_output', 'thought', 'function_call']);

function sse(data: Item): string {
  return `event: ${String(data['event_type'])}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const geminiInteractions: GenerateEndpoint = {
  provider: 'gemini',
  validate(req) {
    if (req.json === undefined) return 'Invalid JSON payload received.';
    const body = bodyObject(req);
    if (stringField(body, 'model') === undefined && stringField(body, 'agent') === undefined)
      return 'Either model or agent must be specified.';
    return changedThought(body['input']);
  },
  streaming: (req) => bodyObject(req)['stream'] === true,
  model: (req) => {
    const body = bodyObject(req);
    return stringField(body, 'model') ?? stringField(body, 'agent') ?? DEFAULT_GEMINI_MODEL;
  },
  assistantTurns: (req) => countRuns(bodyObject(req)['input'], (s) => MODEL_STEPS.has(s['type'])),
  toolResultTurns: (req) => countRuns(bodyObject(req)['input'], (s) => s['type'] === 'function_result'),

  json(plan, _model, req, id = randomId('v1_', 40)) {
    const steps = plan.steps.map(stepOf);
    return {
      body: interaction(req, id, 'completed', { steps, usage: usage(plan) }),
      headers: JSON_HEADERS,
    };
  },

  stream(plan, _model, req, _query, id = randomId('v1_', 40)) {
    const events: string[] = [];
    let n = 0;
    const push = (data: Item) => events.push(sse({ ...data, event_id: `evt_${n++}` }));
    push({ event_type: 'interaction.created', interaction: interaction(req, id, 'in_progress', {}) });
    push({ event_type: 'interaction.status_update', interaction_id: id, status: 'in_progress' });
    plan.steps.forEach((step, index) => {
      if (step.kind === 'tool') {
        const call = stepOf(step);
        push({ event_type: 'step.start', index, step: { ...call, arguments: {} } });
        for (const fragment of step.fragments)
          push({ event_type: 'step.delta', index, delta: { type: 'arguments_delta', arguments: fragment } });
      } else if (step.kind === 'thinking') {
        push({ event_type: 'step.start', index, step: { type: 'thought' } });
        for (const text of step.deltas)
          push({
            event_type: 'step.delta',
            index,
            delta: { type: 'thought_summary', content: { type: 'text', text } },
          });
        const signature = signText(step.text);
        push({ event_type: 'step.delta', index, delta: { type: 'thought_signature', signature } });
      } else {
        push({ event_type: 'step.start', index, step: { type: 'model_output' } });
        for (const text of step.deltas)
          push({ event_type: 'step.delta', index, delta: { type: 'text', text } });
      }
      push({ event_type: 'step.stop', index });
    });
    push({
      event_type: 'interaction.completed',
      interaction: interaction(req, id, 'completed', { usage: usage(plan) }),
    });
    events.push('data: [DONE]\n\n');
    return { headers: { ...SSE_HEADERS }, events };
  },

  streamError(spec, eventsBefore) {
    const { error } = providerError('gemini', { ...spec, status: spec.status ?? 503 }).body as {
      error: { code: number; message: string; status: string };
    };
    return sse({
      event_type: 'error',
      event_id: `evt_${eventsBefore}`,
      error: { code: error.status, message: error.message },
    });
  },
};
