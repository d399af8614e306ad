/**
 * OpenAI Uploads API: `POST /v1/uploads` (create), `/v1/uploads/{id}/parts` (multipart, a `data`
 * chunk) and `/v1/uploads/{id}/complete`. Parts are kept in memory until the upload completes;
 * the answers are the upload, the part and the completed upload with its file, as the real API
 * gives them.
 */
import { Response } from 'undici';
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, nowSeconds } from './endpoint.js';
import { providerError } from './errors.js';
import { openaiHeaders } from './openai-chat.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

interface Upload {
  object: Record<string, unknown>;
  parts: Map<string, number>;
}

const uploads = new Map<string, Upload>();

function invalid(status: number, message: string): StaticAnswer {
  const { body, headers } = providerError('openai', { status, message });
  return { status, body, headers };
}

export function openaiUploadCreate(req: RecordedRequest): StaticAnswer {
  const body = bodyObject(req);
  for (const key of ['filename', 'purpose', 'mime_type'])
    if (typeof body[key] !== 'string') return invalid(400, `Missing required parameter: '${key}'.`);
  if (typeof body['bytes'] !== 'number') return invalid(400, "Missing required parameter: 'bytes'.");
  const id = randomId('upload_', 24);
  const object = {
    id,
    object: 'upload',
    bytes: body['bytes'],
    created_at: nowSeconds(),
    filename: body['filename'],
    purpose: body['purpose'],
    status: 'pending',
    expires_at: nowSeconds() + 3600,
  };
  uploads.set(id, { object, parts: new Map() });
  return { status: 200, body: object, headers: openaiHeaders() };
}

export async function openaiUploadPart(req: RecordedRequest, id: string): Promise<StaticAnswer> {
  const upload = uploads.get(id);
  if (upload === undefined) return invalid(404, `No such upload: '${id}'.`);
  const type = req.headers['content-type'] ?? '';
  let data: unknown;
  try {
    data = (await new Response(req.body, { headers: { 'content-type': type } }).formData()).get('data');
  } catch {
    return invalid(400, 'The request must be multipart/form-data with a data part.');
  }
  if (data === null || typeof data === 'string') return invalid(400, "Missing required parameter: 'data'.");
  const part = randomId('part_', 24);
  upload.parts.set(part, (data as Blob).size);
  return {
    status: 200,
    body: { id: part, object: 'upload.part', created_at: nowSeconds(), upload_id: id },
    headers: openaiHeaders(),
  };
}

export function openaiUploadComplete(req: RecordedRequest, id: string): StaticAnswer {
  const upload = uploads.get(id);
  if (upload === undefined) return invalid(404, `No such upload: '${id}'.`);
  const ids = bodyObject(req)['part_ids'];
  if (!Array.isArray(ids)) return invalid(400, "Missing required parameter: 'part_ids'.");
  const sizes = ids.map((p) => upload.parts.get(String(p)));
  if (sizes.includes(undefined)) return invalid(400, 'Unknown part id.');
  uploads.delete(id);
  const bytes = sizes.reduce((a: number, b) => a + b!, 0);
  const o = upload.object;
  return {
    status: 200,
    body: {
      ...o,
      status: 'completed',
      file: {
        id: randomId('file-', 22),
        object: 'file',
        bytes,
        created_at: nowSeconds(),
        filename: o['filename'],
        purpose: o['purpose'],
        status: 'processed',
      },
    },
    headers: openaiHeaders(),
  };
}
