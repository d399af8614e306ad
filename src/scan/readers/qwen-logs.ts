/**
 * Qwen Code's files beside its transcripts (gemini.ts reads those), record shapes as Qwen Code
 * 0.24 writes them:
 *
 * - `~/.qwen/usage_record.jsonl`, one line per session when it ends (usageHistoryService):
 *   `{version, sessionId, timestamp, startTime, project, durationMs, totalLatencyMs, models:
 *   {<model>: token counts}, tools: {totalCalls, ..., byName: {<tool>: counts}}, files, skills}`.
 *   Counts and the project folder, none of it sent to a model: recognised, so that it is not
 *   read as unknown JSONL (whose every string is scanned: its session id is no tracking id), and
 *   nothing in it is scanned, as the transcripts' own `cwd` and `sessionId` are not.
 * - The OpenAI API logs `--openai-logging` (settings `model.enableOpenAILogging`) writes, one
 *   pretty-printed document per request, `openai-<time>-<id>.json` in `<project>/logs/openai/`
 *   or `model.openAILoggingDir` (OpenAILogger): `{timestamp, request, response, error, context:
 *   {promptId, sessionId}, system: {hostname, platform, release, nodeVersion}}`. `request` is the
 *   Chat Completions body as sent, read through the gateway's dialect; `response` the answer
 *   (a `chat.completion`, a streamed one joined), its choices read as the assistant's. `error`,
 *   `context` and `system` are the log's own, never sent.
 */
import type { JsonPath } from '../../dialects/types.js';
import { requestBodyLeaves } from './request-body.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isQwenUsageRecord(rec: Rec): boolean {
  return (
    typeof rec.version === 'number' &&
    typeof rec.sessionId === 'string' &&
    typeof rec.project === 'string' &&
    isObject(rec.models) &&
    isObject(rec.tools)
  );
}

export function isQwenOpenAILog(doc: Rec): boolean {
  return (
    typeof doc.timestamp === 'string' &&
    isObject(doc.request) &&
    Array.isArray(doc.request.messages) &&
    'response' in doc &&
    'error' in doc &&
    isObject(doc.system)
  );
}

/** A record of either kind (a log compacted onto one line of a JSONL file, too). */
export function isQwenLogRecord(rec: Rec): boolean {
  return isQwenUsageRecord(rec) || isQwenOpenAILog(rec);
}

export function qwenLogLeaves(rec: Rec, sink: LeafSink): void {
  if (!isQwenOpenAILog(rec)) return; // a usage record: nothing in it was sent
  const under =
    (prefix: JsonPath): LeafSink =>
    (leaf) =>
      sink({ ...leaf, path: [...prefix, ...leaf.path] });
  requestBodyLeaves(rec.request, under(['request']));
  const response = rec.response;
  if (isObject(response) && Array.isArray(response.choices)) {
    response.choices.forEach((choice, i) => {
      if (!isObject(choice)) return;
      // `message` (`delta` in a chunk): text, reasoning_content, tool_calls with their arguments.
      for (const key of ['message', 'delta'])
        if (key in choice) walkLeaves(choice[key], ['response', 'choices', i, key], 'assistant', sink, true);
    });
  } else if (response !== null && response !== undefined) {
    walkLeaves(response, ['response'], 'assistant', sink, true);
  }
}
