/**
 * OpenAI Embeddings (`POST /v1/embeddings`) as api.openai.com answers it: one `embedding` object
 * per input, floats or, with `encoding_format: "base64"` (the official SDK's default), base64 of
 * little-endian float32 bytes. https://platform.openai.com/docs/api-reference/embeddings
 */
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, stringField } from './endpoint.js';
import { providerError } from './errors.js';
import { estimateTokens } from './plan.js';
import type { RecordedRequest } from './types.js';
import { base64Vector, dimensionsOf, embeddingVector } from './vectors.js';
import { openaiHeaders } from './openai-chat.js';

const DEFAULT_DIMENSIONS: Readonly<Record<string, number>> = { 'text-embedding-3-large': 3072 };

/** The inputs as texts: a string, strings, or token arrays (read as their numbers). */
function inputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((x) => typeof x === 'number')) return [input.join(' ')];
  if (input.every((x) => typeof x === 'string' || Array.isArray(x)))
    return input.map((x) => (typeof x === 'string' ? x : (x as unknown[]).join(' ')));
  return undefined;
}

function invalid(message: string): StaticAnswer {
  const { body, headers } = providerError('openai', { status: 400, message });
  return { status: 400, body, headers };
}

export function openaiEmbeddings(req: RecordedRequest): StaticAnswer {
  if (req.json === undefined) return invalid('We could not parse the JSON body of your request.');
  const body = bodyObject(req);
  const model = stringField(body, 'model');
  if (model === undefined) return invalid("Missing required parameter: 'model'.");
  const texts = inputs(body['input']);
  if (texts === undefined) return invalid("'input' is a required property and must not be empty.");
  const dimensions = dimensionsOf(body['dimensions'], DEFAULT_DIMENSIONS[model] ?? 1536);
  const base64 = body['encoding_format'] === 'base64';
  const tokens = texts.reduce((n, t) => n + estimateTokens(t), 0);
  return {
    status: 200,
    body: {
      object: 'list',
      data: texts.map((text, index) => {
        const vector = embeddingVector(text, dimensions);
        return { object: 'embedding', index, embedding: base64 ? base64Vector(vector) : vector };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    headers: openaiHeaders(),
  };
}
