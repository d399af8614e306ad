/**
 * Gemini CLI and Qwen Code session files.
 *
 * Gemini CLI (`~/.gemini/tmp/<project-hash>/chats/session-<time>-<id>.jsonl`): a first record
 * `{sessionId, projectHash, startTime, lastUpdated, kind}`, then message records `{id,
 * timestamp, type: "user"|"gemini"|"info"|"error"|"warning", content: string | Part[],
 * thoughts, toolCalls: [{name, args, result: Part[]}], model}`, re-appended whole when they
 * change, and `{$set: {...}}` metadata updates: `lastUpdated`, `directories`, the whole
 * `messages` when the history is rewritten, the session's `summary` (written by the model, or a
 * subagent's final answer) and `memoryScratchpad` ({workflowSummary, toolSequence, touchedPaths,
 * validationStatus}, made from the messages); both of the last go into the session index that
 * later sessions are given. Older versions wrote one JSON document `session-*.json` with the same
 * messages in `messages` (and `summary` beside them); `logs.json` is an array of `{sessionId,
 * messageId, type: "user", message, timestamp}`.
 *
 * Qwen Code (`~/.qwen/projects/<project>/chats/<session>.jsonl`, older `~/.qwen/tmp/**`):
 * `{uuid, parentUuid, sessionId, timestamp, type: "user"|"assistant"|"tool_result"|"system",
 * cwd, version, gitBranch, message: {role, parts: Part[]}}`; `system` records carry a
 * `subtype` and a `systemPayload`, local (UI telemetry, slash commands) except a
 * `chat_compression` checkpoint, whose `compressedHistory` (Contents, `{role, parts}`) is the
 * history sent from then on in place of the conversation, opening with the model's summary.
 *
 * Parts are Gemini API parts: `text` (with `thought: true` for reasoning), `functionCall
 * {name, args}`, `functionResponse {name, response}`, `inlineData` (binary, skipped).
 */
import type { JsonPath, Role } from '../../dialects/types.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

const GEMINI_MESSAGE_TYPES = new Set(['user', 'gemini', 'info', 'error', 'warning']);

export function isGeminiRecord(rec: Rec): boolean {
  if (typeof rec.sessionId === 'string' && typeof rec.projectHash === 'string') return true;
  if (isObject(rec.$set)) return true;
  if (
    typeof rec.id === 'string' &&
    typeof rec.type === 'string' &&
    GEMINI_MESSAGE_TYPES.has(rec.type) &&
    'content' in rec
  )
    return true;
  // logs.json entries, one per line when exported as JSONL.
  return typeof rec.sessionId === 'string' && 'messageId' in rec && typeof rec.message === 'string';
}

export function isQwenRecord(rec: Rec): boolean {
  const message = rec.message;
  if (!('uuid' in rec) || typeof rec.type !== 'string') return false;
  if (isObject(message) && Array.isArray(message.parts)) return true;
  return rec.type === 'system' && 'systemPayload' in rec;
}

/** Walks Gemini API parts: text, reasoning, function calls and their responses. */
export function partsLeaves(parts: unknown, path: JsonPath, role: Role, sink: LeafSink): void {
  if (typeof parts === 'string') {
    walkLeaves(parts, path, role, sink, false);
    return;
  }
  const list = Array.isArray(parts) ? parts : [parts];
  list.forEach((part, i) => {
    const at = Array.isArray(parts) ? [...path, i] : path;
    if (typeof part === 'string') {
      walkLeaves(part, at, role, sink, false);
      return;
    }
    if (!isObject(part)) return;
    if (typeof part.text === 'string')
      walkLeaves(part.text, [...at, 'text'], part.thought === true ? 'assistant' : role, sink, false);
    if (isObject(part.functionCall))
      walkLeaves(part.functionCall.args, [...at, 'functionCall', 'args'], 'tool_use', sink, false);
    if (isObject(part.functionResponse)) {
      walkLeaves(
        part.functionResponse.response,
        [...at, 'functionResponse', 'response'],
        'tool_result',
        sink,
        false,
      );
    }
  });
}

/** One Gemini CLI message record (also the elements of a legacy session's `messages`). */
export function geminiMessageLeaves(msg: Rec, path: JsonPath, sink: LeafSink): void {
  if (msg.type === 'user') {
    partsLeaves(msg.content, [...path, 'content'], 'user', sink);
    return;
  }
  if (msg.type !== 'gemini') return; // info/error/warning: local notices, never sent
  partsLeaves(msg.content, [...path, 'content'], 'assistant', sink);
  if (Array.isArray(msg.thoughts)) {
    msg.thoughts.forEach((t, i) => {
      if (!isObject(t)) return;
      walkLeaves(t.subject, [...path, 'thoughts', i, 'subject'], 'assistant', sink, false);
      walkLeaves(t.description, [...path, 'thoughts', i, 'description'], 'assistant', sink, false);
    });
  }
  if (Array.isArray(msg.toolCalls)) {
    msg.toolCalls.forEach((call, i) => {
      if (!isObject(call)) return;
      walkLeaves(call.args, [...path, 'toolCalls', i, 'args'], 'tool_use', sink, false);
      partsLeaves(call.result, [...path, 'toolCalls', i, 'result'], 'tool_result', sink);
    });
  }
}

/** Session metadata that is bookkeeping: ids, times, the kind of session, its workspace folders. */
const METADATA_BOOKKEEPING = new Set([
  'sessionId',
  'projectHash',
  'startTime',
  'lastUpdated',
  'kind',
  'directories',
]);

/**
 * Session metadata: the first record, a `$set` update, or a legacy document on one line. Every
 * member but bookkeeping is scanned, so that text a newer CLI adds there is not missed.
 */
function metadataLeaves(fields: Rec, path: JsonPath, sink: LeafSink): void {
  for (const [key, value] of Object.entries(fields)) {
    if (METADATA_BOOKKEEPING.has(key)) continue;
    if (key === 'messages') {
      if (Array.isArray(value))
        value.forEach((m, i) => isObject(m) && geminiMessageLeaves(m, [...path, 'messages', i], sink));
      continue;
    }
    // The summary is the model's (or a subagent's answer); the rest is made from the messages.
    const role: Role = key === 'summary' ? 'assistant' : 'metadata';
    walkLeaves(value, [...path, key], role, sink, false, 1, typeof value === 'string' ? key : undefined);
  }
}

export function geminiLeaves(rec: Rec, sink: LeafSink): void {
  if (isObject(rec.$set)) {
    metadataLeaves(rec.$set, ['$set'], sink);
    return;
  }
  if (
    Array.isArray(rec.messages) ||
    (typeof rec.sessionId === 'string' && typeof rec.projectHash === 'string')
  ) {
    // The first record, or a whole legacy session document written on one line.
    metadataLeaves(rec, [], sink);
    return;
  }
  if ('messageId' in rec && typeof rec.message === 'string') {
    walkLeaves(rec.message, ['message'], 'user', sink, false);
    return;
  }
  geminiMessageLeaves(rec, [], sink);
}

export function qwenLeaves(rec: Rec, sink: LeafSink): void {
  if (rec.type === 'system') {
    // Slash commands, UI telemetry, rewinds: local. A compression checkpoint is not.
    const payload = rec.systemPayload;
    if (rec.subtype === 'chat_compression' && isObject(payload) && Array.isArray(payload.compressedHistory)) {
      payload.compressedHistory.forEach((content, i) => {
        if (!isObject(content)) return;
        const role: Role = content.role === 'model' ? 'assistant' : 'user';
        partsLeaves(content.parts, ['systemPayload', 'compressedHistory', i, 'parts'], role, sink);
      });
    }
    return;
  }
  const message = rec.message;
  if (!isObject(message)) return;
  const role: Role =
    rec.type === 'assistant' ? 'assistant' : rec.type === 'tool_result' ? 'tool_result' : 'user';
  partsLeaves(message.parts, ['message', 'parts'], role, sink);
}
