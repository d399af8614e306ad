/**
 * OpenAI Conversations API: `POST /v1/conversations` (create, with items and metadata),
 * `POST /v1/conversations/{id}` (update the metadata) and `POST /v1/conversations/{id}/items`
 * (add items). Nothing is stored: the answers are made from the request, the items echoed back
 * with ids and `status: completed`, as the real API stores and lists them.
 */
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, isRecord, nowSeconds } from './endpoint.js';
import { providerError } from './errors.js';
import { openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

function invalid(message: string): StaticAnswer {
  const { body, headers } = providerError('openai', { status: 400, message });
  return { status: 400, body, headers };
}

/**
 * An item as the API stores it: an id, a type, the status of a finished item, and a message's
 * text content as a list of parts.
 */
function stored(item: Record<string, unknown>): Record<string, unknown> {
  const type = typeof item['type'] === 'string' ? item['type'] : 'message';
  const prefix = type === 'message' ? 'msg_' : type === 'function_call_output' ? 'fco_' : 'item_';
  const out: Record<string, unknown> = { id: randomId(prefix, 48), type, status: 'completed', ...item };
  if (type === 'message' && typeof item['content'] === 'string') {
    const part = item['role'] === 'assistant' ? 'output_text' : 'input_text';
    out['content'] = [{ type: part, text: item['content'] }];
  }
  return out;
}

/** The items of the body, or an error naming the first that is no object. */
function items(body: Record<string, unknown>, required: boolean): Record<string, unknown>[] | StaticAnswer {
  const list = body['items'];
  if (list === undefined && !required) return [];
  if (!Array.isArray(list)) return invalid("Missing required parameter: 'items'.");
  if (list.length > 20)
    return invalid(`Invalid 'items': array too long. Expected at most 20, got ${list.length}.`);
  const bad = list.findIndex((item) => !isRecord(item));
  if (bad !== -1) return invalid(`Invalid type for 'items[${bad}]': expected an object.`);
  return (list as Record<string, unknown>[]).map(stored);
}

function conversation(id: string, metadata: unknown): StaticAnswer {
  return {
    status: 200,
    body: {
      id,
      object: 'conversation',
      created_at: nowSeconds(),
      metadata: isRecord(metadata) ? metadata : {},
    },
    headers: openaiHeaders(),
  };
}

/** `id` is the conversation's, from the path; undefined to create one. */
export function openaiConversation(req: RecordedRequest, id: string | undefined): StaticAnswer {
  if (req.json === undefined) return invalid('We could not parse the JSON body of your request.');
  const body = bodyObject(req);
  if (id !== undefined) {
    if (!isRecord(body['metadata'])) return invalid("Missing required parameter: 'metadata'.");
    return conversation(id, body['metadata']);
  }
  const created = items(body, false);
  if (!Array.isArray(created)) return created;
  return conversation(randomId('conv_', 48), body['metadata']);
}

export function openaiConversationItems(req: RecordedRequest): StaticAnswer {
  if (req.json === undefined) return invalid('We could not parse the JSON body of your request.');
  const added = items(bodyObject(req), true);
  if (!Array.isArray(added)) return added;
  return {
    status: 200,
    body: {
      object: 'list',
      data: added,
      first_id: added[0]?.['id'] ?? null,
      last_id: added[added.length - 1]?.['id'] ?? null,
      has_more: false,
    },
    headers: openaiHeaders(),
  };
}
