/**
 * Gemini Files API uploads, the resumable protocol: a `start` request (metadata as JSON, the
 * size and type in `X-Goog-Upload-Header-*`) is answered with `x-goog-upload-url`; `upload`
 * requests send the bytes there, at `X-Goog-Upload-Offset`, and `upload, finalize` ends with the
 * file's metadata and `x-goog-upload-status: final`. A declared size must match what arrived, as
 * the real API checks. Sessions are kept in memory until finalized.
 */
import type { StaticAnswer } from './endpoint.js';
import { isRecord } from './endpoint.js';
import { providerError } from './errors.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

interface UploadSession {
  metadata: Record<string, unknown>;
  mimeType: string;
  declaredSize: number | undefined;
  chunks: Buffer[];
  received: number;
}

/** Open sessions by upload id; a simulator's tests open a handful. */
const sessions = new Map<string, UploadSession>();

function invalid(status: number, message: string): StaticAnswer {
  const { body, headers } = providerError('gemini', { status, message });
  return { status, body, headers };
}

function start(req: RecordedRequest): StaticAnswer {
  const json = req.body.length === 0 ? {} : req.json;
  if (!isRecord(json)) return invalid(400, 'Invalid JSON payload received.');
  const file = json['file'] ?? {};
  if (!isRecord(file)) return invalid(400, "Invalid value at 'file'.");
  const size = req.headers['x-goog-upload-header-content-length'];
  const mimeType =
    req.headers['x-goog-upload-header-content-type'] ?? file['mimeType'] ?? file['mime_type'] ?? '';
  const id = randomId('ABgVH', 40);
  sessions.set(id, {
    metadata: file,
    mimeType: String(mimeType),
    declaredSize: size === undefined ? undefined : Number(size),
    chunks: [],
    received: 0,
  });
  const host = req.headers['host'] ?? '127.0.0.1';
  return {
    status: 200,
    body: {},
    headers: {
      'x-goog-upload-status': 'active',
      // At the API version the start came to, as the API answers.
      'x-goog-upload-url': `http://${host}${req.path.split('?')[0]}?upload_id=${id}&upload_protocol=resumable`,
      'x-goog-upload-chunk-granularity': '8388608',
    },
  };
}

function upload(req: RecordedRequest, id: string, finalize: boolean): StaticAnswer {
  const session = sessions.get(id);
  if (session === undefined) return invalid(404, `No upload session ${id}.`);
  const offset = Number(req.headers['x-goog-upload-offset'] ?? '0');
  if (offset !== session.received)
    return invalid(400, `Upload offset ${offset} does not match the ${session.received} bytes received.`);
  session.chunks.push(req.body);
  session.received += req.body.length;
  if (!finalize) return { status: 200, body: {}, headers: { 'x-goog-upload-status': 'active' } };
  sessions.delete(id);
  if (session.declaredSize !== undefined && session.declaredSize !== session.received)
    return invalid(
      400,
      `Failed to finalize: ${session.received} bytes received, ${session.declaredSize} declared.`,
    );
  const name = `files/${randomId('', 12).toLowerCase()}`;
  const now = new Date().toISOString();
  const displayName = session.metadata['displayName'] ?? session.metadata['display_name'];
  return {
    status: 200,
    body: {
      file: {
        name,
        ...(typeof displayName === 'string' ? { displayName } : {}),
        mimeType: session.mimeType,
        sizeBytes: String(session.received),
        createTime: now,
        updateTime: now,
        expirationTime: new Date(Date.now() + 48 * 3600_000).toISOString(),
        uri: `https://generativelanguage.googleapis.com/v1beta/${name}`,
        state: 'ACTIVE',
        source: 'UPLOADED',
      },
    },
    headers: { 'x-goog-upload-status': 'final' },
  };
}

export function geminiFileUpload(req: RecordedRequest): StaticAnswer {
  const command = (req.headers['x-goog-upload-command'] ?? '').toLowerCase();
  const words = new Set(command.split(',').map((w) => w.trim()));
  if (req.headers['x-goog-upload-protocol'] === 'resumable' && words.has('start')) return start(req);
  const id = new URL(req.path, 'http://simulator.invalid').searchParams.get('upload_id');
  if (id !== null && words.has('upload')) return upload(req, id, words.has('finalize'));
  return invalid(
    400,
    'Expected a resumable upload: X-Goog-Upload-Command start, or upload with an upload_id.',
  );
}
