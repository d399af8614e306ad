/**
 * Picks the dialect for one request. `path` is the upstream path without the gateway's
 * /anthropic, /openai or /gemini prefix; any query string is ignored. Every endpoint that is
 * not a known text-bearing POST (models lists, file contents, cancels...) is passthrough, but
 * for the GETs that read back what the provider stored of inspected ones (read-back.ts).
 */
import type { Provider } from '../errors.js';
import { anthropicBatches } from './anthropic-batches.js';
import { anthropicComplete } from './anthropic-complete.js';
import { anthropicManagedAgents } from './anthropic-managed-agents.js';
import { anthropicMessages } from './anthropic-messages.js';
import { anthropicPromptTools } from './anthropic-prompt-tools.js';
import { anthropicFiles, openaiFiles } from './file-uploads.js';
import { gemini } from './gemini.js';
import { geminiBatchEmbed, geminiBatchGenerate } from './gemini-batches.js';
import { geminiCaches } from './gemini-caches.js';
import { geminiEmbed } from './gemini-embed.js';
import { geminiFiles } from './gemini-files.js';
import { geminiInteractions } from './gemini-interactions.js';
import { openaiChat } from './openai-chat.js';
import { openaiCompletions } from './openai-completions.js';
import { openaiConversations } from './openai-conversations.js';
import { openaiEmbeddings } from './openai-embeddings.js';
import { openaiBatches, openaiChatUpdate } from './openai-metadata.js';
import { openaiResponses } from './openai-responses.js';
import { openaiUploadParts, openaiUploads } from './openai-uploads.js';
import { readBackDialect } from './read-back.js';
import type { Dialect } from './types.js';
import { modelInBody, pathOnly } from './walk.js';

function passthroughFor(provider: Provider): Dialect {
  return {
    id: 'passthrough',
    provider,
    segments: () => [],
    model: modelInBody,
    streaming: () => false,
    answerFields: () => [],
  };
}

const PASSTHROUGH: Readonly<Record<Provider, Dialect>> = {
  anthropic: passthroughFor('anthropic'),
  openai: passthroughFor('openai'),
  gemini: passthroughFor('gemini'),
};

const GEMINI_VERSIONS = ['v1', 'v1beta', 'v1alpha'] as const;

/**
 * Exact paths per provider; OpenAI clients may set a base URL with or without /v1. Gemini's
 * actions on a model are in GEMINI_ACTIONS.
 */
const ROUTES: Readonly<Record<Provider, ReadonlyMap<string, Dialect>>> = {
  anthropic: new Map([
    ['/v1/messages', anthropicMessages],
    ['/v1/messages/count_tokens', anthropicMessages],
    ['/v1/messages/batches', anthropicBatches],
    ['/v1/complete', anthropicComplete],
    ['/v1/files', anthropicFiles],
    // The experimental prompt tools (beta prompt-tools-2025-04-02).
    ['/v1/experimental/generate_prompt', anthropicPromptTools],
    ['/v1/experimental/improve_prompt', anthropicPromptTools],
    ['/v1/experimental/templatize_prompt', anthropicPromptTools],
  ]),
  openai: new Map([
    ['/v1/chat/completions', openaiChat],
    ['/chat/completions', openaiChat],
    ['/v1/responses', openaiResponses],
    ['/responses', openaiResponses],
    ['/v1/responses/input_tokens', openaiResponses],
    ['/responses/input_tokens', openaiResponses],
    // A conversation made short (Codex's remote compaction): the whole history, in a Responses body.
    ['/v1/responses/compact', openaiResponses],
    ['/responses/compact', openaiResponses],
    ['/v1/completions', openaiCompletions],
    ['/completions', openaiCompletions],
    ['/v1/embeddings', openaiEmbeddings],
    ['/embeddings', openaiEmbeddings],
    ['/v1/conversations', openaiConversations],
    ['/conversations', openaiConversations],
    ['/v1/files', openaiFiles],
    ['/files', openaiFiles],
    ['/v1/uploads', openaiUploads],
    ['/uploads', openaiUploads],
    ['/v1/batches', openaiBatches],
    ['/batches', openaiBatches],
  ]),
  gemini: new Map([
    ...GEMINI_VERSIONS.map((v): [string, Dialect] => [`/${v}/cachedContents`, geminiCaches]),
    // Files API uploads: the start and the bytes both go to this path (see gemini-files.ts).
    ...GEMINI_VERSIONS.map((v): [string, Dialect] => [`/upload/${v}/files`, geminiFiles]),
    // The Interactions API (@google/genai's `interactions.create`).
    ...GEMINI_VERSIONS.map((v): [string, Dialect] => [`/${v}/interactions`, geminiInteractions]),
  ]),
};

/** The actions on a Gemini model (`/v1beta/models/{model}:action`) that carry text. */
const GEMINI_ACTIONS: ReadonlyMap<string, Dialect> = new Map([
  ['generateContent', gemini],
  ['streamGenerateContent', gemini],
  ['countTokens', gemini],
  ['embedContent', geminiEmbed],
  ['batchEmbedContents', geminiEmbed],
  ['batchGenerateContent', geminiBatchGenerate],
  ['asyncBatchEmbedContent', geminiBatchEmbed],
]);

const GEMINI_ACTION = /^\/v1(?:alpha|beta)?\/(?:models|tunedModels)\/[^/:]+:([A-Za-z]+)$/;

/**
 * An id as a path segment: unreserved characters, not a dot segment. A segment that a server
 * could read as another (`..`, `%2F`, `;x`) is no id: such paths are left to inspectedAlias.
 */
const ID = '[A-Za-z0-9_~-][A-Za-z0-9_.~-]*';

/** OpenAI's text-bearing POSTs to one conversation, named by its id: `{id}` (metadata) and `{id}/items`. */
const OPENAI_CONVERSATION = new RegExp(`^(/v1)?/conversations/(${ID})(/items)?$`);
const OPENAI_CONVERSATION_ANY_CASE = new RegExp(OPENAI_CONVERSATION.source, 'i');

/**
 * OpenAI's other text-bearing POSTs to one object named by its id: `[1]` the optional `/v1`,
 * `[2]` the id. Each with the dialect and the exact spelling (for inspectedAlias).
 */
const OPENAI_BY_ID: readonly {
  path: RegExp;
  anyCase: RegExp;
  dialect: Dialect;
  spell: (id: string) => string;
}[] = [
  { tail: '/chat/completions/', end: '', dialect: openaiChatUpdate },
  { tail: '/uploads/', end: '/parts', dialect: openaiUploadParts },
].map(({ tail, end, dialect }) => {
  const path = new RegExp(`^(/v1)?${tail}(${ID})${end}$`);
  return { path, anyCase: new RegExp(path.source, 'i'), dialect, spell: (id) => `${tail}${id}${end}` };
});

/**
 * Anthropic's managed agents: the POSTs that create or update an agent, a session (its events,
 * its resources), an environment (a self-hosted one's work items), a memory store (its
 * memories), a vault (its credentials), a deployment. Archives and the other actions are bare POSTs.
 */
const ANTHROPIC_MANAGED = new RegExp(
  `^/v1/(?:agents(?:/${ID})?|sessions(?:/${ID}(?:/events|/resources(?:/${ID})?)?)?` +
    `|environments(?:/${ID}(?:/work/${ID}(?:/stop)?)?)?|memory_stores(?:/${ID}(?:/memories(?:/${ID})?)?)?` +
    `|vaults(?:/${ID}(?:/credentials(?:/${ID})?)?)?|deployments(?:/${ID})?)$`,
);

/** A managed agents path with its fixed words in lower case, its ids as they are. */
function managedSpelling(path: string): string {
  return path
    .split('/')
    .map((segment, i) => (i === 3 || i === 5 ? segment : segment.toLowerCase()))
    .join('/');
}

export function resolveDialect(provider: Provider, method: string, path: string): Dialect {
  const upper = method.toUpperCase();
  if (upper !== 'POST')
    return (upper === 'GET' ? readBackDialect(provider, path) : undefined) ?? PASSTHROUGH[provider];
  let clean = pathOnly(path);
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  if (provider === 'gemini') {
    // Some clients percent-encode the colon before the action.
    const action = GEMINI_ACTION.exec(clean.replace(/%3a/gi, ':'))?.[1];
    if (action !== undefined) return GEMINI_ACTIONS.get(action) ?? PASSTHROUGH.gemini;
  }
  if (provider === 'openai') {
    if (OPENAI_CONVERSATION.test(clean)) return openaiConversations;
    for (const r of OPENAI_BY_ID) if (r.path.test(clean)) return r.dialect;
  }
  if (provider === 'anthropic' && ANTHROPIC_MANAGED.test(clean)) return anthropicManagedAgents;
  return ROUTES[provider].get(clean) ?? PASSTHROUGH[provider];
}

/** An inspected endpoint that a path spells another way. */
export interface InspectedAlias {
  dialect: Dialect;
  /** The exact spelling of the endpoint (without a query string), to point the client at. */
  path: string;
}

/**
 * What can make a path another spelling of an endpoint, case aside: empty and dot segments,
 * percent-encoding, backslashes (which WHATWG URL parsers read as slashes), `;` path parameters
 * (which servlet containers strip, `..;` included) and a fragment (which a URL parser drops).
 */
const MAY_BE_RESPELLED = /\/[/.]|[%\\;#]/;

/** Decoded before comparing: the unreserved characters (RFC 3986 §2.3) and those that split a path. */
const DECODED_IN_PATHS = /^[A-Za-z0-9\-._~/\\:;]$/;

/**
 * The endpoint a POST to `path` reaches at a provider that normalises paths, when resolveDialect
 * does not inspect `path` itself: undefined for every path that is inspected as it is or that
 * no normalisation turns into an inspected endpoint. Upstreams and the proxies before them
 * collapse empty segments, resolve dot segments, decode percent-encoded characters or ignore
 * case to different degrees; a path that any of these makes an inspected endpoint must not
 * leave uninspected, so the caller refuses it and names the exact spelling instead.
 */
export function inspectedAlias(provider: Provider, method: string, path: string): InspectedAlias | undefined {
  if (method.toUpperCase() !== 'POST' || resolveDialect(provider, method, path) !== PASSTHROUGH[provider])
    return undefined;
  let clean = pathOnly(path);
  if (MAY_BE_RESPELLED.test(clean)) clean = normalisePath(clean);
  else if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  if (provider === 'gemini') {
    const m = GEMINI_ACTION_ANY_CASE.exec(clean);
    if (m) {
      const [, version, collection, model, action] = m as unknown as [string, string, string, string, string];
      const spelled = GEMINI_ACTION_SPELLING.get(action.toLowerCase());
      if (spelled === undefined) return undefined;
      return {
        dialect: GEMINI_ACTIONS.get(spelled)!,
        path: `/${version.toLowerCase()}/${GEMINI_COLLECTION_SPELLING.get(collection.toLowerCase())!}/${model}:${spelled}`,
      };
    }
  }
  if (provider === 'openai') {
    const m = OPENAI_CONVERSATION_ANY_CASE.exec(clean);
    if (m) {
      const [, v1, id, items] = m as unknown as [string, string | undefined, string, string | undefined];
      return {
        dialect: openaiConversations,
        path: `${v1 === undefined ? '' : '/v1'}/conversations/${id}${items === undefined ? '' : '/items'}`,
      };
    }
    for (const r of OPENAI_BY_ID) {
      const byId = r.anyCase.exec(clean);
      if (byId)
        return { dialect: r.dialect, path: `${byId[1] === undefined ? '' : '/v1'}${r.spell(byId[2]!)}` };
    }
  }
  if (provider === 'anthropic') {
    const spelled = managedSpelling(clean);
    if (ANTHROPIC_MANAGED.test(spelled)) return { dialect: anthropicManagedAgents, path: spelled };
  }
  const exact = ROUTES_ANY_CASE[provider].get(clean.toLowerCase());
  return exact === undefined ? undefined : { dialect: ROUTES[provider].get(exact)!, path: exact };
}

/**
 * `path` as RFC 3986 normalisation and the usual server leniencies leave it: fragment dropped,
 * unreserved and separator characters decoded, backslashes as slashes, `;` parameters dropped,
 * empty and `.` segments removed, `..` segments resolved (never above the root).
 */
function normalisePath(path: string): string {
  const hash = path.indexOf('#');
  let p = hash === -1 ? path : path.slice(0, hash);
  if (p.includes('%'))
    p = p.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
      const char = String.fromCharCode(parseInt(hex, 16));
      return DECODED_IN_PATHS.test(char) ? char : escape;
    });
  const segments: string[] = [];
  for (const raw of p.split(/[/\\]/)) {
    const semicolon = raw.indexOf(';');
    const segment = semicolon === -1 ? raw : raw.slice(0, semicolon);
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** Words keyed by their lower-cased spellings, each to its exact spelling. */
function spellings(words: Iterable<string>): ReadonlyMap<string, string> {
  return new Map([...words].map((w) => [w.toLowerCase(), w]));
}

/** ROUTES keyed by their lower-cased paths, each to its exact spelling. */
const ROUTES_ANY_CASE: Readonly<Record<Provider, ReadonlyMap<string, string>>> = {
  anthropic: spellings(ROUTES.anthropic.keys()),
  openai: spellings(ROUTES.openai.keys()),
  gemini: spellings(ROUTES.gemini.keys()),
};

const GEMINI_ACTION_ANY_CASE = /^\/(v1(?:alpha|beta)?)\/(models|tunedModels)\/([^/:]+):([A-Za-z]+)$/i;
const GEMINI_COLLECTION_SPELLING = spellings(['models', 'tunedModels']);
const GEMINI_ACTION_SPELLING = spellings(GEMINI_ACTIONS.keys());

export {
  anthropicBatches,
  anthropicFiles,
  anthropicComplete,
  anthropicManagedAgents,
  anthropicMessages,
  anthropicPromptTools,
  gemini,
  geminiBatchEmbed,
  geminiBatchGenerate,
  geminiCaches,
  geminiEmbed,
  geminiFiles,
  geminiInteractions,
  openaiChat,
  openaiCompletions,
  openaiConversations,
  openaiEmbeddings,
  openaiFiles,
  openaiResponses,
  openaiBatches,
  openaiChatUpdate,
  openaiUploads,
  openaiUploadParts,
};
export { geminiAnswerFormat } from './gemini.js';
export { getAt, rebuild, setAt, JsonPathError, type TextEdit } from './json-path.js';
