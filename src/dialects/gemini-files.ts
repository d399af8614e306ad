/**
 * Gemini Files API uploads: POST /upload/v1beta/files, the resumable protocol @google/genai's
 * `files.upload` speaks. A `start` request carries the file's metadata as JSON
 * (`{file: {display_name|displayName, mime_type|mimeType}}`) and `X-Goog-Upload-*` headers; the
 * answer's `x-goog-upload-url` names where the bytes go, and `upload` / `upload, finalize`
 * requests send them there (the same path, `?upload_id=`). What is inspected:
 *   - the start's metadata, every string of it (the display name above all);
 *   - a file sent whole in one `upload, finalize` request at offset 0 whose bytes are UTF-8
 *     text: its text. The upload request does not say the file's type (the SDK sends
 *     `application/json`): its bytes decide, as for an upload of `application/octet-stream`.
 * A chunk of a file sent in several requests, and a binary file, go as they came and are listed
 * as uninspected in the audit event (a value split across two chunks cannot be seen whole).
 *
 * Inspection may change the text's length (a surrogate is rarely as long as the value), so the
 * start's declared size (`X-Goog-Upload-Header-Content-Length`, optional in the protocol) is not
 * sent upstream: the upstream would refuse to finalize a file of another size. And the upload
 * URL is rewritten to the gateway's: left pointing at the upstream, the bytes would go there
 * directly, uninspected (or, the SDK swapping in its base URL's host, to a path the gateway does
 * not serve).
 * https://ai.google.dev/api/files
 */
import { AirlockError } from '../errors.js';
import { fileContent } from './multipart.js';
import { parseJsonBytes } from './parse-json.js';
import type { AnswerField, Dialect, RequestHeaders, Segment, UninspectedPart } from './types.js';
import { fieldAt, isObject, WHOLE } from './walk.js';
import { addLeaves } from './walk.js';

/** A decoded request: the start's metadata, a whole text file, or bytes sent as they came. */
type GeminiUpload = { metadata: unknown } | { text: string } | { bytes: Buffer; type: string };

function header(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function decode(
  raw: Buffer,
  contentType: string | undefined,
  headers: RequestHeaders,
): Promise<unknown> {
  const command = (header(headers, 'x-goog-upload-command') ?? '').toLowerCase();
  const words = new Set(command.split(',').map((w) => w.trim()));
  if (words.has('start')) {
    if (raw.length === 0) return { metadata: undefined };
    try {
      return { metadata: parseJsonBytes(raw) };
    } catch (err) {
      throw new AirlockError('AIRLOCK_BAD_JSON', (err as Error).message);
    }
  }
  const type = contentType ?? '';
  const offset = header(headers, 'x-goog-upload-offset') ?? '0';
  // The whole file in this one request: read it. Anything else is a piece of one.
  if (words.has('upload') && words.has('finalize') && /^0+$/.test(offset.trim())) {
    const file = fileContent(raw, '', '');
    if (file.kind === 'text') return { text: file.text };
    if (file.kind === 'lines') return { text: raw.toString('utf8') };
  }
  return { bytes: raw, type };
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  if ('metadata' in body) addLeaves(out, body.metadata, ['metadata'], 'metadata');
  else if (typeof body.text === 'string') out.push({ path: ['text'], role: 'user', text: body.text });
  return out;
}

function encode(body: unknown): Buffer {
  const upload = body as GeminiUpload;
  if ('metadata' in upload)
    return upload.metadata === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(upload.metadata));
  if ('text' in upload) return Buffer.from(upload.text, 'utf8');
  return upload.bytes;
}

function uninspected(body: unknown): UninspectedPart[] | undefined {
  const upload = body as GeminiUpload;
  if (!('bytes' in upload) || upload.bytes.length === 0) return undefined;
  return [{ field: 'body', type: upload.type, bytes: upload.bytes.length }];
}

/** The headers of a start answer that name a URL for the client's next requests. */
const UPLOAD_URL_HEADERS = ['x-goog-upload-url', 'x-goog-upload-control-url'];

function answerHeaders(
  headers: Record<string, string | string[] | undefined>,
  upstream: string,
  gateway: string,
): void {
  for (const name of UPLOAD_URL_HEADERS) {
    const url = headers[name];
    // Only a URL at the upstream: one elsewhere is not the gateway's to send requests to.
    if (typeof url === 'string' && url.startsWith(upstream) && /^[/?]/.test(url.slice(upstream.length)))
      headers[name] = gateway + url.slice(upstream.length);
  }
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  const file = isObject(answer) ? answer.file : undefined;
  if (isObject(file)) {
    fieldAt(out, file, 'displayName', 'displayName', false, WHOLE);
    fieldAt(out, file, 'display_name', 'displayName', false, WHOLE);
  }
  return out;
}

export const geminiFiles: Dialect = {
  id: 'gemini-files',
  provider: 'gemini',
  segments,
  model: () => undefined,
  streaming: () => false,
  answerFields,
  codec: { decode, encode, uninspected },
  removedHeaders: ['x-goog-upload-header-content-length'],
  answerHeaders,
};
