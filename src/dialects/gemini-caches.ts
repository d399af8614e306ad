/**
 * Gemini context caching: POST /v1beta/cachedContents creates a CachedContent, whose
 * systemInstruction, contents and tools are listed as generateContent's are; `displayName` is
 * the user's own name for it. The answer is the cache's metadata (no contents): only the
 * display name, echoed back, is restored. Later reads (GET) are passthrough.
 * https://ai.google.dev/api/caching
 */
import { addGenerateRequest, spelled } from './gemini.js';
import type { AnswerField, Dialect, Segment } from './types.js';
import { addText, fieldAt, isObject, str, WHOLE } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addGenerateRequest(out, body, []);
  for (const key of spelled(body, 'displayName', 'display_name')) addText(out, body, key, [], 'metadata');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (isObject(answer)) fieldAt(out, answer, 'displayName', 'displayName', false, WHOLE);
  return out;
}

export const geminiCaches: Dialect = {
  id: 'gemini-caches',
  provider: 'gemini',
  segments,
  // The body names the model as a resource: "models/gemini-2.5-flash".
  model: (body) => {
    const named = isObject(body) ? str(body.model) : undefined;
    return named?.startsWith('models/') ? named.slice('models/'.length) : named;
  },
  streaming: () => false,
  answerFields,
};
