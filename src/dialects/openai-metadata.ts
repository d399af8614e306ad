/**
 * OpenAI endpoints whose only text is a `metadata` map: POST /v1/batches (create a batch: its
 * requests are in the input file, inspected when it was uploaded, see file-uploads.ts) and
 * POST /v1/chat/completions/{id} (update a stored completion's metadata). The answer is the
 * batch, or the stored completion: its `metadata` echoed back, restored.
 * https://platform.openai.com/docs/api-reference/batch/create
 * https://platform.openai.com/docs/api-reference/chat/update
 */
import { addMetadata } from './openai-responses.js';
import type { AnswerField, Dialect, DialectId, Segment } from './types.js';
import { fieldAt, isObject, WHOLE } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (isObject(body)) addMetadata(out, body, 'metadata');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  const metadata = isObject(answer) ? answer.metadata : undefined;
  if (isObject(metadata))
    for (const key of Object.keys(metadata)) fieldAt(out, metadata, key, `metadata:${key}`, false, WHOLE);
  return out;
}

function metadataDialect(id: DialectId): Dialect {
  return { id, provider: 'openai', segments, model: () => undefined, streaming: () => false, answerFields };
}

export const openaiBatches = metadataDialect('openai-batches');
export const openaiChatUpdate = metadataDialect('openai-chat-update');
