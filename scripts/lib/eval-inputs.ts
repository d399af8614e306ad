/**
 * Turns a captured or generated request into the engine's inputs, the way the gateway will:
 * the dialect lists the body's text segments, and every header is one more input.
 */
import { anthropicMessages, gemini, openaiChat, openaiResponses } from '../../src/dialects/index.js';
import type { Dialect } from '../../src/dialects/types.js';
import type { ScanInput } from '../../src/detect/types.js';

export interface CapturedRequest {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export function dialectFor(url: string): Dialect {
  if (url.includes('/messages')) return anthropicMessages;
  if (url.includes('/responses')) return openaiResponses;
  if (url.includes('/chat/completions')) return openaiChat;
  if (url.includes(':generateContent') || url.includes(':streamGenerateContent')) return gemini;
  throw new Error(`no dialect for ${url}`);
}

export function requestInputs(req: CapturedRequest): ScanInput[] {
  const inputs: ScanInput[] = dialectFor(req.url)
    .segments(req.body)
    .map((s) => ({ path: s.path, role: s.role, text: s.text }));
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const header = name.toLowerCase();
    inputs.push({
      path: ['headers', header],
      role: 'header',
      header,
      text: Array.isArray(value) ? value.join(', ') : value,
    });
  }
  return inputs;
}
