/**
 * File uploads: OpenAI `POST /v1/files` and Anthropic `POST /v1/files` (multipart/form-data).
 * The file is read (undici's form-data parser) and forgotten: the answer is its metadata, as
 * the real APIs give it.
 */
import { Response } from 'undici';
import type { Provider } from '../errors.js';
import type { StaticAnswer } from './endpoint.js';
import { nowSeconds } from './endpoint.js';
import { providerError } from './errors.js';
import { openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

const OPENAI_PURPOSES = new Set(['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals']);

function invalid(provider: Provider, message: string): StaticAnswer {
  const { body, headers } = providerError(provider, { status: 400, message });
  return { status: 400, body, headers };
}

export async function formOf(
  req: RecordedRequest,
): Promise<Awaited<ReturnType<Response['formData']>> | undefined> {
  const type = req.headers['content-type'];
  if (type === undefined || !type.startsWith('multipart/form-data')) return undefined;
  try {
    return await new Response(req.body, { headers: { 'content-type': type } }).formData();
  } catch {
    return undefined;
  }
}

export async function fileUpload(
  req: RecordedRequest,
  provider: 'openai' | 'anthropic',
): Promise<StaticAnswer> {
  const form = await formOf(req);
  if (form === undefined) return invalid(provider, 'The request must be multipart/form-data with a file.');
  const file = form.get('file');
  if (file === null || typeof file === 'string')
    return invalid(provider, "Missing required parameter: 'file'.");
  if (provider === 'anthropic') {
    return {
      status: 200,
      body: {
        id: randomId('file_011', 21),
        type: 'file',
        filename: file.name,
        mime_type: file.type || 'application/octet-stream',
        size_bytes: file.size,
        created_at: new Date().toISOString(),
        downloadable: false,
      },
    };
  }
  const purpose = form.get('purpose');
  if (typeof purpose !== 'string' || !OPENAI_PURPOSES.has(purpose))
    return invalid('openai', "Missing or invalid parameter: 'purpose'.");
  return {
    status: 200,
    body: {
      id: randomId('file-', 22),
      object: 'file',
      bytes: file.size,
      created_at: nowSeconds(),
      filename: file.name,
      purpose,
      status: 'processed',
      expires_at: null,
      status_details: null,
    },
    headers: openaiHeaders(),
  };
}
