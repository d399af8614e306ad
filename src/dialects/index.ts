/**
 * Picks the dialect for one request. `path` is the upstream path without the gateway's
 * /anthropic, /openai or /gemini prefix; any query string is ignored. Every endpoint that is
 * not a known text-bearing POST (models lists, files, batches, GETs...) is passthrough.
 */
import type { Provider } from '../errors.js';
import { anthropicComplete } from './anthropic-complete.js';
import { anthropicMessages } from './anthropic-messages.js';
import { gemini } from './gemini.js';
import { openaiChat } from './openai-chat.js';
import { openaiResponses } from './openai-responses.js';
import type { Dialect } from './types.js';
import { isObject, pathOnly, str } from './walk.js';

function passthroughFor(provider: Provider): Dialect {
  return {
    id: 'passthrough',
    provider,
    segments: () => [],
    model: (body) => (isObject(body) ? str(body.model) : undefined),
    streaming: () => false,
    answerFields: () => [],
  };
}

const PASSTHROUGH: Readonly<Record<Provider, Dialect>> = {
  anthropic: passthroughFor('anthropic'),
  openai: passthroughFor('openai'),
  gemini: passthroughFor('gemini'),
};

/** Exact paths per provider; OpenAI clients may set a base URL with or without /v1. */
const ROUTES: Readonly<Record<Provider, ReadonlyMap<string, Dialect>>> = {
  anthropic: new Map([
    ['/v1/messages', anthropicMessages],
    ['/v1/messages/count_tokens', anthropicMessages],
    ['/v1/complete', anthropicComplete],
  ]),
  openai: new Map([
    ['/v1/chat/completions', openaiChat],
    ['/chat/completions', openaiChat],
    ['/v1/responses', openaiResponses],
    ['/responses', openaiResponses],
    ['/v1/responses/input_tokens', openaiResponses],
    ['/responses/input_tokens', openaiResponses],
  ]),
  gemini: new Map(),
};

const GEMINI_ACTION =
  /^\/v1(?:alpha|beta)?\/(?:models|tunedModels)\/[^/:]+:(?:generateContent|streamGenerateContent|countTokens)$/;

export function resolveDialect(provider: Provider, method: string, path: string): Dialect {
  if (method.toUpperCase() !== 'POST') return PASSTHROUGH[provider];
  let clean = pathOnly(path);
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  if (provider === 'gemini') {
    // Some clients percent-encode the colon before the action.
    return GEMINI_ACTION.test(clean.replace(/%3a/gi, ':')) ? gemini : PASSTHROUGH.gemini;
  }
  return ROUTES[provider].get(clean) ?? PASSTHROUGH[provider];
}

export { anthropicComplete, anthropicMessages, gemini, openaiChat, openaiResponses };
export { geminiAnswerFormat } from './gemini.js';
export { getAt, rebuild, setAt, JsonPathError, type TextEdit } from './json-path.js';
