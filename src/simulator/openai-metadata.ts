/**
 * OpenAI endpoints answered from their `metadata`: `POST /v1/batches` (the new batch, validating;
 * its results are not simulated) and `POST /v1/chat/completions/{id}` (the stored completion with
 * its metadata set; nothing is stored, so its message is a placeholder).
 */
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, nowSeconds } from './endpoint.js';
import { providerError } from './errors.js';
import { openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

function invalid(message: string): StaticAnswer {
  const { body, headers } = providerError('openai', { status: 400, message });
  return { status: 400, body, headers };
}

export function openaiBatchCreate(req: RecordedRequest): StaticAnswer {
  const body = bodyObject(req);
  for (const key of ['input_file_id', 'endpoint', 'completion_window'])
    if (typeof body[key] !== 'string') return invalid(`Missing required parameter: '${key}'.`);
  return {
    status: 200,
    body: {
      id: randomId('batch_', 24),
      object: 'batch',
      endpoint: body['endpoint'],
      input_file_id: body['input_file_id'],
      completion_window: body['completion_window'],
      status: 'validating',
      created_at: nowSeconds(),
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: body['metadata'] ?? null,
    },
    headers: openaiHeaders(),
  };
}

export function openaiChatUpdate(req: RecordedRequest, id: string): StaticAnswer {
  const metadata = bodyObject(req)['metadata'];
  if (metadata === undefined) return invalid("Missing required parameter: 'metadata'.");
  return {
    status: 200,
    body: {
      id,
      object: 'chat.completion',
      created: nowSeconds(),
      model: 'gpt-4o-mini',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'ok' } }],
      metadata,
    },
    headers: openaiHeaders(),
  };
}
