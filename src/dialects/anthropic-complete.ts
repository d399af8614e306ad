/**
 * Anthropic legacy Text Completions: POST /v1/complete. The whole conversation is one `prompt`
 * string ("\n\nHuman: ...\n\nAssistant:"); the answer, whole or streamed as `completion` events,
 * carries the text in `completion`.
 */
import type { AnswerField, Dialect, Segment } from './types.js';
import { addText, asksForStream, fieldAt, isObject, modelInBody } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addText(out, body, 'prompt', [], 'user');
  if (isObject(body.metadata)) addText(out, body.metadata, 'user_id', ['metadata'], 'metadata');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  // Whole answers and stream events both have type "completion"; the stream is one channel.
  if (isObject(answer) && answer.type === 'completion') fieldAt(out, answer, 'completion', '0', false);
  return out;
}

export const anthropicComplete: Dialect = {
  id: 'anthropic-complete',
  provider: 'anthropic',
  segments,
  model: modelInBody,
  streaming: asksForStream,
  answerFields,
};
