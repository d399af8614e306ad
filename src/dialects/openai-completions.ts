/**
 * OpenAI legacy Completions: POST /v1/completions. `prompt` is a text, a list of texts or token
 * arrays (numbers: nothing to inspect); `suffix` follows the inserted text. The answer, whole or
 * streamed as data-only chunks ending in `[DONE]`, carries the text in `choices[].text`.
 * https://platform.openai.com/docs/api-reference/completions
 */
import type { AnswerField, Dialect, Segment } from './types.js';
import { addText, addTexts, arrayOf, asksForStream, fieldAt, isObject, modelInBody } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addTexts(out, body, 'prompt', [], 'user');
  addText(out, body, 'suffix', [], 'user');
  addText(out, body, 'user', [], 'metadata');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  // Whole answers and stream chunks look alike (`text_completion`); a chunk continues its
  // choice's text, named by `index` (prompt index × n + completion index).
  arrayOf(answer.choices).forEach((choice, i) => {
    if (isObject(choice))
      fieldAt(out, choice, 'text', String(typeof choice.index === 'number' ? choice.index : i), false);
  });
  return out;
}

export const openaiCompletions: Dialect = {
  id: 'openai-completions',
  provider: 'openai',
  segments,
  model: modelInBody,
  streaming: asksForStream,
  answerFields,
};
