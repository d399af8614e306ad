/**
 * Anthropic's experimental prompt tools (closed research preview, beta header
 * `prompt-tools-2025-04-02`; not in @anthropic-ai/sdk, sent with `client.post`):
 * POST /v1/experimental/generate_prompt (`task`, `target_model`), improve_prompt (`messages`,
 * `system`, `feedback`, `target_model`) and templatize_prompt (`messages`, `system`).
 * https://docs.anthropic.com/en/api/prompt-tools-generate
 *
 * The answer, JSON only, is a prompt: `messages` in the Messages API's shape, a `system` string,
 * and for templatize_prompt the values it took out as variables (`variable_values`).
 */
import { addContent } from './anthropic-messages.js';
import type { AnswerField, Dialect, Role, Segment } from './types.js';
import { addText, arrayOf, fieldAt, isObject, WHOLE } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addText(out, body, 'task', [], 'user');
  addContent(out, body.system, ['system'], 'system');
  arrayOf(body.messages).forEach((message, i) => {
    if (!isObject(message)) return;
    const role: Role = message.role === 'assistant' ? 'assistant' : 'user';
    addContent(out, message.content, ['messages', i, 'content'], role);
  });
  addText(out, body, 'feedback', [], 'user');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  arrayOf(answer.messages).forEach((message, i) => {
    if (!isObject(message)) return;
    if (typeof message.content === 'string') fieldAt(out, message, 'content', `${i}`, false, WHOLE);
    else
      arrayOf(message.content).forEach((block, j) => {
        if (isObject(block)) fieldAt(out, block, 'text', `${i}:${j}`, false, WHOLE);
      });
  });
  fieldAt(out, answer, 'system', 'system', false, WHOLE);
  const values = answer.variable_values;
  if (isObject(values))
    for (const key of Object.keys(values)) fieldAt(out, values, key, `var:${key}`, false, WHOLE);
  return out;
}

export const anthropicPromptTools: Dialect = {
  id: 'anthropic-prompt-tools',
  provider: 'anthropic',
  segments,
  model: (body) => (isObject(body) && typeof body.target_model === 'string' ? body.target_model : undefined),
  streaming: () => false,
  answerFields,
};
