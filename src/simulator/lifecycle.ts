/**
 * Requests that manage what was made before, and OpenAI's moderations: cancels, deletes, a
 * cache's new lifetime. Nothing is stored: each is answered from its path and body, in the shape
 * the real API gives, so that the SDK calls that send them complete (the gateway's tests of the
 * endpoints it does not inspect use them).
 */
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, nowSeconds } from './endpoint.js';
import { providerError } from './errors.js';
import { openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

const GEMINI_JSON = { 'content-type': 'application/json; charset=UTF-8' };

/** `POST /v1/moderations`: every input unflagged. */
export function openaiModeration(req: RecordedRequest): StaticAnswer {
  const input = bodyObject(req)['input'];
  if (input === undefined) {
    const { body, headers } = providerError('openai', {
      status: 400,
      message: "Missing required parameter: 'input'.",
    });
    return { status: 400, body, headers };
  }
  const count = Array.isArray(input) ? input.length : 1;
  return {
    status: 200,
    body: {
      id: randomId('modr-', 24),
      model: 'omni-moderation-latest',
      results: Array.from({ length: count }, () => ({
        flagged: false,
        categories: {},
        category_scores: {},
        category_applied_input_types: {},
      })),
    },
    headers: openaiHeaders(),
  };
}

/** `POST /v1/batches/{id}/cancel`: the batch, cancelling. */
export function openaiBatchCancel(id: string): StaticAnswer {
  return {
    status: 200,
    body: {
      id,
      object: 'batch',
      endpoint: '/v1/chat/completions',
      input_file_id: 'file-simulated',
      completion_window: '24h',
      status: 'cancelling',
      created_at: nowSeconds(),
      cancelling_at: nowSeconds(),
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: null,
    },
    headers: openaiHeaders(),
  };
}

/** `DELETE /v1/files/{id}`. */
export function openaiFileDelete(id: string): StaticAnswer {
  return { status: 200, body: { id, object: 'file', deleted: true }, headers: openaiHeaders() };
}

/** `POST /v1/messages/batches/{id}/cancel`: the batch, canceling. */
export function anthropicBatchCancel(id: string): StaticAnswer {
  const now = new Date().toISOString();
  return {
    status: 200,
    body: {
      id,
      type: 'message_batch',
      processing_status: 'canceling',
      request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: now,
      expires_at: now,
      archived_at: null,
      cancel_initiated_at: now,
      results_url: null,
    },
    headers: { 'request-id': randomId('req_', 24) },
  };
}

/** `POST /v1beta/batches/{id}:cancel`, `DELETE /v1beta/files/{id}`: an empty message. */
export function geminiEmpty(): StaticAnswer {
  return { status: 200, body: {}, headers: GEMINI_JSON };
}

/** `PATCH /v1beta/cachedContents/{id}`: the cache's metadata with its new expiry. */
export function geminiCacheUpdate(req: RecordedRequest, name: string): StaticAnswer {
  const body = bodyObject(req);
  const ttl = typeof body['ttl'] === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(body['ttl']) : null;
  const expire =
    typeof body['expireTime'] === 'string'
      ? body['expireTime']
      : new Date(Date.now() + (ttl?.[1] === undefined ? 3600 : Number(ttl[1])) * 1000).toISOString();
  const now = new Date().toISOString();
  return {
    status: 200,
    body: { name, model: 'models/gemini-2.5-flash', createTime: now, updateTime: now, expireTime: expire },
    headers: GEMINI_JSON,
  };
}
