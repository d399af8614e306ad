/**
 * Anthropic's experimental prompt tools: POST /v1/experimental/generate_prompt, improve_prompt
 * and templatize_prompt (beta `prompt-tools-2025-04-02`), JSON only. The answer is a prompt:
 * `messages` (the script's text as one user message, as the API writes the generated prompt),
 * `system`, `usage` as a list, and for templatize_prompt `variable_values`.
 * https://docs.anthropic.com/en/api/prompt-tools-generate
 */
import type { GenerateEndpoint } from './endpoint.js';
import { bodyObject, stringField } from './endpoint.js';
import { providerError } from './errors.js';
import type { AnswerPlan } from './plan.js';
import { randomId } from './wire.js';

export type PromptTool = 'generate_prompt' | 'improve_prompt' | 'templatize_prompt';

function planText(plan: AnswerPlan): string {
  return plan.steps.map((s) => (s.kind === 'text' ? s.text : '')).join('');
}

export function anthropicPromptTool(tool: PromptTool): GenerateEndpoint {
  return {
    provider: 'anthropic',
    validate(req) {
      if (req.headers['anthropic-version'] === undefined) return 'anthropic-version: header is required';
      if (!String(req.headers['anthropic-beta'] ?? '').includes('prompt-tools-2025-04-02'))
        return 'This endpoint requires the anthropic-beta header prompt-tools-2025-04-02';
      if (req.json === undefined) return 'Request body must be JSON';
      const body = bodyObject(req);
      if (tool === 'generate_prompt' && stringField(body, 'task') === undefined)
        return 'task: Field required';
      if (tool !== 'generate_prompt' && !Array.isArray(body['messages'])) return 'messages: Field required';
      return undefined;
    },
    streaming: () => false,
    model: (req) => stringField(bodyObject(req), 'target_model') ?? '',
    assistantTurns: () => 0,
    toolResultTurns: () => 0,

    json(plan) {
      const body: Record<string, unknown> = {
        messages: [{ role: 'user', content: [{ type: 'text', text: planText(plan) }] }],
        system: '',
        usage: [{ input_tokens: plan.inputTokens, output_tokens: plan.outputTokens }],
      };
      if (tool === 'templatize_prompt') body['variable_values'] = {};
      return { body, headers: { 'request-id': randomId('req_011', 21) } };
    },

    // The API does not stream these answers; never asked for (streaming() is false).
    stream() {
      return { headers: {}, events: [] };
    },
    streamError(spec) {
      return JSON.stringify(providerError('anthropic', { ...spec, status: spec.status ?? 500 }).body);
    },
  };
}
