/**
 * OpenAI Conversations API: POST /v1/conversations creates a conversation (`{items, metadata}`),
 * POST /v1/conversations/{id}/items adds items to one (`{items}`), POST /v1/conversations/{id}
 * sets its `metadata`. Items are Responses API input items, listed as openai-responses lists
 * `input`; a later /v1/responses call that names the conversation sends them to the model. The
 * answer is the conversation (its metadata restored) or the list of items added (their text
 * restored, as a response's output items are).
 * https://platform.openai.com/docs/api-reference/conversations
 */
import { addItem, addMetadata, itemFields } from './openai-responses.js';
import type { AnswerField, Dialect, Segment } from './types.js';
import { arrayOf, fieldAt, isObject, WHOLE } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  arrayOf(body.items).forEach((item, i) => addItem(out, item, ['items', i]));
  addMetadata(out, body, 'metadata');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  if (answer.object === 'list') arrayOf(answer.data).forEach((item, i) => itemFields(out, item, String(i)));
  const metadata = answer.metadata;
  if (isObject(metadata))
    for (const key of Object.keys(metadata)) fieldAt(out, metadata, key, `metadata:${key}`, false, WHOLE);
  return out;
}

export const openaiConversations: Dialect = {
  id: 'openai-conversations',
  provider: 'openai',
  segments,
  model: () => undefined,
  streaming: () => false,
  answerFields,
};
