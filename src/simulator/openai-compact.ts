/**
 * OpenAI's `POST /v1/responses/compact`: a long conversation (`input`, `instructions`, as a
 * Responses request has them) made short for the next turns. The answer is a
 * `response.compaction`: every user message of the input, then one `compaction` item whose
 * `encrypted_content` stands for the rest, opaque to the client. Nothing is stored.
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

/** The text parts of a message's content, as input_text parts. */
function inputParts(content: unknown): Record<string, unknown>[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content)) return [];
  return content
    .filter((part): part is Record<string, unknown> => isRecord(part) && typeof part['text'] === 'string')
    .map((part) => ({ type: 'input_text', text: part['text'] }));
}

export function openaiResponsesCompact(req: RecordedRequest): StaticAnswer {
  if (req.json === undefined) return invalid('We could not parse the JSON body of your request.');
  const body = bodyObject(req);
  if (typeof body['model'] !== 'string') return invalid("Missing required parameter: 'model'.");
  const input = body['input'];
  const messages =
    typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : [];
  const users = messages
    .filter((item): item is Record<string, unknown> => isRecord(item) && item['role'] === 'user')
    .map((item) => ({
      id: randomId('msg_', 48),
      type: 'message',
      status: 'completed',
      role: 'user',
      content: inputParts(item['content']),
    }));
  const inputTokens = Math.ceil(req.body.length / 4);
  return {
    status: 200,
    body: {
      id: randomId('resp_', 48),
      object: 'response.compaction',
      created_at: nowSeconds(),
      output: [
        ...users,
        {
          id: randomId('cmp_', 48),
          type: 'compaction',
          encrypted_content: Buffer.from(`compacted ${messages.length} items`).toString('base64'),
        },
      ],
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 16,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + 16,
      },
    },
    headers: openaiHeaders(),
  };
}
