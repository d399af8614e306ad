/**
 * The simulator's routing table: path prefixes exactly as the real APIs have them (the gateway
 * strips its own /anthropic, /openai, /gemini prefixes before forwarding).
 */
import type { Provider } from '../errors.js';
import {
  anthropicBatchCreate,
  anthropicComplete,
  anthropicCountTokens,
  anthropicMessages,
  anthropicModels,
} from './anthropic.js';
import { anthropicManagedAgents, managedObject } from './anthropic-managed-agents.js';
import { anthropicPromptTool, type PromptTool } from './anthropic-prompt-tools.js';
import type { GenerateEndpoint, StaticAnswer } from './endpoint.js';
import { fileUpload } from './files.js';
import { geminiBatchCreate } from './gemini-batches.js';
import { geminiFileUpload } from './gemini-files.js';
import { geminiInteractions } from './gemini-interactions.js';
import {
  anthropicBatchCancel,
  geminiCacheUpdate,
  geminiEmpty,
  openaiBatchCancel,
  openaiFileDelete,
  openaiModeration,
} from './lifecycle.js';
import { openaiBatchCreate, openaiChatUpdate } from './openai-metadata.js';
import { openaiUploadComplete, openaiUploadCreate, openaiUploadPart } from './openai-uploads.js';
import { geminiCacheCreate, geminiCountTokens, geminiEmbed, geminiGenerate, geminiModels } from './gemini.js';
import { openaiChat, openaiModels } from './openai-chat.js';
import { openaiCompletions } from './openai-completions.js';
import { openaiConversation, openaiConversationItems } from './openai-conversations.js';
import { openaiEmbeddings } from './openai-embeddings.js';
import { openaiResponsesCompact } from './openai-compact.js';
import { openaiResponses } from './openai-responses.js';
import type { RecordedRequest } from './types.js';

export type Route =
  | { kind: 'generate'; endpoint: GenerateEndpoint }
  | { kind: 'static'; answer: (req: RecordedRequest) => StaticAnswer | Promise<StaticAnswer> }
  | { kind: 'root' };

/** Anthropic and OpenAI share `GET /v1/models`; Anthropic clients always send anthropic-version. */
export function isAnthropicClient(headers: Record<string, string>): boolean {
  return headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined;
}

/** The provider whose error shape fits a request we cannot route. */
export function guessProvider(pathname: string, headers: Record<string, string>): Provider {
  if (
    pathname.startsWith('/v1beta/') ||
    pathname.startsWith('/v1alpha/') ||
    pathname.startsWith('/upload/') ||
    pathname.includes(':') ||
    headers['x-goog-api-key'] !== undefined
  )
    return 'gemini';
  return isAnthropicClient(headers) ? 'anthropic' : 'openai';
}

const GEMINI_ACTION = /^\/(?:v1|v1beta|v1alpha)\/models\/[^/:]+:([A-Za-z]+)$/;
const GEMINI_CACHES = /^\/(?:v1|v1beta|v1alpha)\/cachedContents$/;
const GEMINI_INTERACTIONS = /^\/(?:v1|v1beta|v1alpha)\/interactions$/;
const GEMINI_MODEL = /^\/(?:v1|v1beta|v1alpha)\/models\/([^/:]+)$/;
/** @google/genai 2.x uploads to v1beta, 3.x (API version v1 by default) to v1. */
const GEMINI_UPLOAD = /^\/upload\/(?:v1|v1beta|v1alpha)\/files$/;
const V1_MODEL = /^\/v1\/models\/([^/:]+)$/;
const CONVERSATION = /^\/v1\/conversations\/([^/]+)(\/items)?$/;
const UPLOAD = /^\/v1\/uploads\/([^/]+)\/(parts|complete)$/;
const CHAT_COMPLETION = /^\/v1\/chat\/completions\/([^/]+)$/;
const OPENAI_BATCH_CANCEL = /^\/v1\/batches\/([^/]+)\/cancel$/;
const ANTHROPIC_BATCH_CANCEL = /^\/v1\/messages\/batches\/([^/]+)\/cancel$/;
const OPENAI_FILE = /^\/v1\/files\/([^/]+)$/;
const GEMINI_BATCH_CANCEL = /^\/(?:v1|v1beta|v1alpha)\/batches\/[^/:]+:cancel$/;
const GEMINI_FILE = /^\/(?:v1|v1beta|v1alpha)\/files\/[^/:]+$/;
const GEMINI_CACHE = /^\/(?:v1|v1beta|v1alpha)\/(cachedContents\/[^/:]+)$/;

export function route(method: string, pathname: string, headers: Record<string, string>): Route | undefined {
  if (pathname === '/' && (method === 'GET' || method === 'HEAD')) return { kind: 'root' };
  if (method === 'POST') {
    switch (pathname) {
      case '/v1/messages':
        return { kind: 'generate', endpoint: anthropicMessages };
      case '/v1/messages/count_tokens':
        return { kind: 'static', answer: anthropicCountTokens };
      case '/v1/messages/batches':
        return { kind: 'static', answer: anthropicBatchCreate };
      case '/v1/complete':
        return { kind: 'generate', endpoint: anthropicComplete };
      case '/v1/experimental/generate_prompt':
      case '/v1/experimental/improve_prompt':
      case '/v1/experimental/templatize_prompt':
        return {
          kind: 'generate',
          endpoint: anthropicPromptTool(pathname.slice('/v1/experimental/'.length) as PromptTool),
        };
      case '/v1/completions':
        return { kind: 'generate', endpoint: openaiCompletions };
      case '/v1/embeddings':
        return { kind: 'static', answer: openaiEmbeddings };
      case '/v1/chat/completions':
        return { kind: 'generate', endpoint: openaiChat };
      case '/v1/responses':
        return { kind: 'generate', endpoint: openaiResponses };
      case '/v1/responses/compact':
        return { kind: 'static', answer: openaiResponsesCompact };
      case '/v1/conversations':
        return { kind: 'static', answer: (req) => openaiConversation(req, undefined) };
      case '/v1/files': {
        const provider = isAnthropicClient(headers) ? 'anthropic' : 'openai';
        return { kind: 'static', answer: (req) => fileUpload(req, provider) };
      }
    }
    if (pathname === '/v1/moderations') return { kind: 'static', answer: openaiModeration };
    const managed = isAnthropicClient(headers) ? managedObject(pathname) : undefined;
    if (managed) return { kind: 'static', answer: anthropicManagedAgents(managed) };
    const cancel = OPENAI_BATCH_CANCEL.exec(pathname) ?? ANTHROPIC_BATCH_CANCEL.exec(pathname);
    if (cancel) {
      const id = decodeURIComponent(cancel[1]!);
      return {
        kind: 'static',
        answer: () =>
          pathname.startsWith('/v1/messages/') ? anthropicBatchCancel(id) : openaiBatchCancel(id),
      };
    }
    if (GEMINI_BATCH_CANCEL.test(pathname)) return { kind: 'static', answer: geminiEmpty };
    if (pathname === '/v1/uploads') return { kind: 'static', answer: openaiUploadCreate };
    if (pathname === '/v1/batches') return { kind: 'static', answer: openaiBatchCreate };
    const upload = UPLOAD.exec(pathname);
    if (upload) {
      const id = decodeURIComponent(upload[1]!);
      return upload[2] === 'parts'
        ? { kind: 'static', answer: (req) => openaiUploadPart(req, id) }
        : { kind: 'static', answer: (req) => openaiUploadComplete(req, id) };
    }
    const completion = CHAT_COMPLETION.exec(pathname);
    if (completion) {
      const id = decodeURIComponent(completion[1]!);
      return { kind: 'static', answer: (req) => openaiChatUpdate(req, id) };
    }
    const conversation = CONVERSATION.exec(pathname);
    if (conversation) {
      const id = decodeURIComponent(conversation[1]!);
      return conversation[2] === undefined
        ? { kind: 'static', answer: (req) => openaiConversation(req, id) }
        : { kind: 'static', answer: openaiConversationItems };
    }
    const action = GEMINI_ACTION.exec(pathname)?.[1];
    if (action === 'generateContent' || action === 'streamGenerateContent') {
      return { kind: 'generate', endpoint: geminiGenerate };
    }
    if (action === 'countTokens') return { kind: 'static', answer: geminiCountTokens };
    if (action === 'embedContent' || action === 'batchEmbedContents')
      return { kind: 'static', answer: (req) => geminiEmbed(req, action === 'batchEmbedContents') };
    if (action === 'batchGenerateContent' || action === 'asyncBatchEmbedContent')
      return { kind: 'static', answer: (req) => geminiBatchCreate(req, action === 'asyncBatchEmbedContent') };
    if (GEMINI_CACHES.test(pathname)) return { kind: 'static', answer: geminiCacheCreate };
    if (GEMINI_INTERACTIONS.test(pathname)) return { kind: 'generate', endpoint: geminiInteractions };
    if (GEMINI_UPLOAD.test(pathname)) return { kind: 'static', answer: geminiFileUpload };
    return undefined;
  }
  if (method === 'DELETE') {
    // Gemini's Files API is at /v1 too (@google/genai 3): its clients send their key as a header.
    if (GEMINI_FILE.test(pathname) && headers['x-goog-api-key'] !== undefined)
      return { kind: 'static', answer: geminiEmpty };
    const file = OPENAI_FILE.exec(pathname);
    if (file) return { kind: 'static', answer: () => openaiFileDelete(decodeURIComponent(file[1]!)) };
    return undefined;
  }
  if (method === 'PATCH') {
    const cache = GEMINI_CACHE.exec(pathname);
    return cache ? { kind: 'static', answer: (req) => geminiCacheUpdate(req, cache[1]!) } : undefined;
  }
  if (method !== 'GET') return undefined;
  if (pathname === '/v1beta/models' || pathname === '/v1alpha/models')
    return { kind: 'static', answer: () => geminiModels(undefined) };
  const v1Model = pathname === '/v1/models' ? '' : V1_MODEL.exec(pathname)?.[1];
  if (v1Model !== undefined && headers['x-goog-api-key'] === undefined) {
    const id = v1Model === '' ? undefined : decodeURIComponent(v1Model);
    return {
      kind: 'static',
      answer: () => (isAnthropicClient(headers) ? anthropicModels(id) : openaiModels(id)),
    };
  }
  if (pathname === '/v1/models') return { kind: 'static', answer: () => geminiModels(undefined) };
  const geminiModel = GEMINI_MODEL.exec(pathname)?.[1];
  if (geminiModel !== undefined)
    return { kind: 'static', answer: () => geminiModels(decodeURIComponent(geminiModel)) };
  return undefined;
}
