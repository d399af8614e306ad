/**
 * Gemini embeddings: POST /v1beta/models/{model}:embedContent (one EmbedContentRequest) and
 * :batchEmbedContents (`{requests: [EmbedContentRequest]}`, what @google/genai's
 * models.embedContent sends). A request's text is in `content` (parts, as generateContent's) and
 * `title`. The answer is vectors: no text to restore.
 * https://ai.google.dev/api/embeddings
 */
import { addContent, modelInPath } from './gemini.js';
import type { Dialect, JsonPath, Segment } from './types.js';
import { addText, arrayOf, isObject } from './walk.js';

/** One EmbedContentRequest at `path`: the body of :embedContent, or a request of a batch. */
function addEmbedRequest(out: Segment[], req: unknown, path: JsonPath): void {
  if (!isObject(req)) return;
  addText(out, req, 'title', path, 'user');
  addContent(out, req.content, [...path, 'content']);
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addEmbedRequest(out, body, []);
  arrayOf(body.requests).forEach((req, i) => addEmbedRequest(out, req, ['requests', i]));
  return out;
}

export const geminiEmbed: Dialect = {
  id: 'gemini-embed',
  provider: 'gemini',
  segments,
  model: (_body, path) => modelInPath(path),
  streaming: () => false,
  answerFields: () => [],
  textlessAnswer: true,
};
