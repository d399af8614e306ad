/**
 * OpenAI Embeddings: POST /v1/embeddings. `input` is a text, a list of texts or token arrays
 * (numbers: nothing to inspect). The answer is vectors (float arrays, or base64 with
 * `encoding_format: "base64"`, the official SDK's default): no text to restore.
 * https://platform.openai.com/docs/api-reference/embeddings
 */
import type { Dialect, Segment } from './types.js';
import { addText, addTexts, isObject, modelInBody } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addTexts(out, body, 'input', [], 'user');
  addText(out, body, 'user', [], 'metadata');
  return out;
}

export const openaiEmbeddings: Dialect = {
  id: 'openai-embeddings',
  provider: 'openai',
  segments,
  model: modelInBody,
  streaming: () => false,
  answerFields: () => [],
  textlessAnswer: true,
};
