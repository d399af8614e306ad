/**
 * @google/genai 2.x calls the Gemini API's version v1beta, 3.x calls v1 by default: a test that
 * checks which path an SDK call reached reads it through this, so it holds for both. Only
 * Gemini's own paths (a model's action, cachedContents, an upload) are read so: OpenAI's and
 * Anthropic's `/v1/...` stay as they are.
 */
const GEMINI_PATH = /^(\/gemini)?(\/upload)?\/v1(?:beta|alpha)?\/(?=models\/[^/?]+:|cachedContents|files\b)/;

export function asV1beta(path: string): string {
  if (!path.includes('/upload/') && !/models\/[^/?]+:|cachedContents/.test(path)) return path;
  return path.replace(GEMINI_PATH, '$1$2/v1beta/');
}
