/**
 * Request bodies of the provider APIs (raw JSON files, HAR request bodies) read through the
 * gateway's own dialects, so the scanner sees the same segments, paths and roles the gateway
 * would. The dialect comes from the URL when there is one (HAR), else from the body's shape;
 * a list is read element by element; anything no dialect claims is walked generically.
 */
import { BoundedMemo } from '../../bounded-memo.js';
import {
  anthropicComplete,
  anthropicMessages,
  gemini,
  openaiChat,
  openaiResponses,
  resolveDialect,
} from '../../dialects/index.js';
import type { Dialect } from '../../dialects/types.js';
import type { Provider } from '../../errors.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

type UrlTarget = { provider: Provider; path: string } | undefined;

/** A capture sends the same few URLs over and over: parsed once each (bounded). */
const urlTargets = new BoundedMemo<string, UrlTarget>(256);

/** Provider and upstream path of a URL, direct (api.anthropic.com) or through an Airlock prefix. */
export function providerOfUrl(url: string): UrlTarget {
  if (urlTargets.has(url)) return urlTargets.get(url);
  const target = parseUrlTarget(url);
  urlTargets.set(url, target);
  return target;
}

function parseUrlTarget(url: string): UrlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const prefixed = /^\/(anthropic|openai|gemini)(\/.*)$/.exec(parsed.pathname);
  if (prefixed) return { provider: prefixed[1] as Provider, path: prefixed[2]! };
  const host = parsed.hostname;
  if (host.endsWith('anthropic.com')) return { provider: 'anthropic', path: parsed.pathname };
  if (host.endsWith('openai.com')) return { provider: 'openai', path: parsed.pathname };
  if (host.endsWith('googleapis.com')) return { provider: 'gemini', path: parsed.pathname };
  return undefined;
}

/** Guesses the API of a body from its members. */
export function dialectOfBody(body: Rec): Dialect | undefined {
  if (Array.isArray(body.contents)) return gemini;
  if (typeof body.prompt === 'string' && 'max_tokens_to_sample' in body) return anthropicComplete;
  if ('input' in body && typeof body.model === 'string') return openaiResponses;
  if (Array.isArray(body.messages)) {
    const hasSystemMessage = body.messages.some(
      (m) => isObject(m) && (m.role === 'system' || m.role === 'developer' || m.role === 'tool'),
    );
    if (
      'system' in body ||
      (!hasSystemMessage && typeof body.max_tokens === 'number' && !('max_completion_tokens' in body))
    )
      return anthropicMessages;
    return openaiChat;
  }
  return undefined;
}

/** Emits the body's segments through its dialect; falls back to a generic walk. */
export function requestBodyLeaves(body: unknown, sink: LeafSink, url?: string): void {
  let dialect: Dialect | undefined;
  const target = url ? providerOfUrl(url) : undefined;
  if (target) {
    const resolved = resolveDialect(target.provider, 'POST', target.path);
    if (resolved.id !== 'passthrough') dialect = resolved;
  }
  if (!dialect && isObject(body)) dialect = dialectOfBody(body);
  if (dialect) {
    let segments;
    try {
      segments = dialect.segments(body);
    } catch {
      segments = undefined;
    }
    if (segments && segments.length > 0) {
      const emitted = new Set<string>();
      for (const s of segments) {
        emitted.add(JSON.stringify(s.path));
        sink({ path: s.path, role: s.role, text: s.text });
      }
      const once: LeafSink = (leaf) => {
        if (!emitted.has(JSON.stringify(leaf.path))) sink(leaf);
      };
      // Members outside the conversation (metadata.user_id, tool names) are walked too:
      // dialects list what the gateway edits, the scanner wants everything that left.
      if (isObject(body)) {
        for (const key of ['metadata', 'user', 'prompt_cache_key', 'safety_identifier']) {
          if (key in body) walkLeaves(body[key], [key], 'metadata', once, false);
        }
      }
      return;
    }
  }
  if (Array.isArray(body)) {
    // A list of request bodies (an export, a batch saved as one document): each is read as a
    // body of its own, so its members get the roles its dialect gives, as when a large list is
    // read element by element (read-file.ts), whatever the list's size.
    body.forEach((element, i) =>
      requestBodyLeaves(element, (leaf) => sink({ ...leaf, path: [i, ...leaf.path] }), url),
    );
    return;
  }
  walkLeaves(body, [], 'user', sink, true);
}
