/**
 * HAR 1.2 entries (`log.entries[i]`, one at a time from the streaming element reader): the
 * request URL, request and response headers, the request body (`postData.text`, walked as an
 * API request when it is JSON) and the response body (`content.text`: JSON, an SSE stream
 * whose `data:` lines are JSON, or text; base64 bodies are decoded when their type is text).
 * A streamed answer's deltas are also scanned joined per stream part (stream-deltas.ts).
 */
import type { JsonPath, Role } from '../../dialects/types.js';
import type { Assistant } from '../types.js';
import { requestBodyLeaves } from './request-body.js';
import { StreamDeltas } from './stream-deltas.js';
import { parseEmbeddedJson, walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Credential headers: the engine leaves them to the gateway's policy (the provider needs them),
 * but a key saved in a capture file is a leak, so the scanner reads them as plain text.
 */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'cookie',
  'set-cookie',
]);

/** Headers that are transport noise: nothing about the machine or the user in them. */
const QUIET_HEADERS = new Set([
  'content-length',
  'content-type',
  'accept',
  'accept-encoding',
  'connection',
  'date',
  'host',
]);

export function assistantFromUserAgent(ua: string): Assistant {
  if (/claude-cli|claude-code/i.test(ua)) return 'claude-code';
  if (/codex/i.test(ua)) return 'codex';
  if (/qwen/i.test(ua)) return 'qwen-code';
  if (/gemini-?cli/i.test(ua)) return 'gemini-cli';
  return 'other';
}

function headerLeaves(headers: unknown, path: JsonPath, sink: LeafSink): string | undefined {
  let userAgent: string | undefined;
  if (!Array.isArray(headers)) return undefined;
  headers.forEach((h, i) => {
    if (!isObject(h) || typeof h.name !== 'string' || typeof h.value !== 'string') return;
    const name = h.name.toLowerCase();
    if (name === 'user-agent') userAgent = h.value;
    if (QUIET_HEADERS.has(name) || h.value.length === 0) return;
    if (CREDENTIAL_HEADERS.has(name)) sink({ path: [...path, i, 'value'], role: 'metadata', text: h.value });
    else sink({ path: [...path, i, 'value'], role: 'header', text: h.value, header: name });
  });
  return userAgent;
}

function bodyLeaves(text: string, mime: string, path: JsonPath, role: Role, sink: LeafSink): void {
  if (mime.includes('event-stream')) {
    // Each SSE `data:` line is usually one JSON event; walk it with the answer's role. Its
    // deltas are taken out first and scanned joined with the rest of their stream part.
    const deltas = new StreamDeltas('sse:');
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!line.startsWith('data:')) return;
      const data = line.slice(5).trim();
      const parsed = parseEmbeddedJson(data);
      if (parsed !== undefined) {
        deltas.take(parsed, i);
        walkLeaves(parsed, [...path, `sse:${i}`], role, sink, true);
      } else walkLeaves(data, [...path, `sse:${i}`], role, sink, false);
    });
    deltas.flush(path, role, sink);
    return;
  }
  const parsed = parseEmbeddedJson(text.trim());
  if (Array.isArray(parsed)) {
    // Gemini's :streamGenerateContent without `alt=sse` answers one JSON array of chunks.
    const deltas = new StreamDeltas('');
    parsed.forEach((element, i) => deltas.take(element, i));
    walkLeaves(parsed, path, role, sink, true);
    deltas.flush(path, role, sink);
  } else if (parsed !== undefined) walkLeaves(parsed, path, role, sink, true);
  else walkLeaves(text, path, role, sink, false);
}

export interface HarEntryInfo {
  assistant: Assistant;
  timestamp?: string;
}

export function harEntryLeaves(entry: unknown, sink: LeafSink): HarEntryInfo {
  if (!isObject(entry)) return { assistant: 'other' };
  const info: HarEntryInfo = { assistant: 'other' };
  if (typeof entry.startedDateTime === 'string') info.timestamp = entry.startedDateTime;
  const request = entry.request;
  if (isObject(request)) {
    if (typeof request.url === 'string')
      sink({ path: ['request', 'url'], role: 'metadata', text: request.url });
    const ua = headerLeaves(request.headers, ['request', 'headers'], sink);
    if (ua) info.assistant = assistantFromUserAgent(ua);
    const postData = request.postData;
    if (isObject(postData) && typeof postData.text === 'string') {
      const mime = typeof postData.mimeType === 'string' ? postData.mimeType : '';
      const parsed = parseEmbeddedJson(postData.text.trim());
      const at: JsonPath = ['request', 'postData', 'text'];
      if (parsed !== undefined) {
        const url = typeof request.url === 'string' ? request.url : undefined;
        requestBodyLeaves(parsed, (leaf) => sink({ ...leaf, path: [...at, ...leaf.path] }), url);
      } else bodyLeaves(postData.text, mime, at, 'user', sink);
    }
  }
  const response = entry.response;
  if (isObject(response)) {
    headerLeaves(response.headers, ['response', 'headers'], sink);
    const content = response.content;
    if (isObject(content) && typeof content.text === 'string') {
      const mime = typeof content.mimeType === 'string' ? content.mimeType : '';
      let text = content.text;
      if (content.encoding === 'base64') {
        if (!/^text\/|json|event-stream|xml|javascript/.test(mime)) return info;
        text = Buffer.from(text, 'base64').toString('utf8');
      }
      bodyLeaves(text, mime, ['response', 'content', 'text'], 'assistant', sink);
    }
  }
  return info;
}
