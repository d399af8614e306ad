/**
 * A multipart/form-data body (a file upload) as a plain value that a dialect lists segments of
 * and the policy edits, and the same body written back from it with the client's boundary.
 * Parsing is undici's (the WHATWG form-data parser), not a hand-written one. The body is always
 * written anew from what was parsed: a preamble, an epilogue or a part header the parser skips
 * would otherwise leave uninspected.
 *
 * An uploaded file's content is read as one of three kinds:
 *   - lines: JSON Lines, every non-blank line a JSON value (a batch input file, fine-tuning
 *     data); each line written back as JSON.stringify writes it.
 *   - text: UTF-8 text (source, Markdown, CSV, JSON...), written back as it is or as edited.
 *   - bytes: anything else (PDF, images, archives): not inspected, sent as it came.
 */
import { AirlockError } from '../errors.js';

export interface FormField {
  name: string;
  value: string;
}

export type FileContent =
  | { kind: 'lines'; lines: unknown[]; newline: '\n' | '\r\n'; finalNewline: boolean }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Buffer };

export interface FormFile {
  name: string;
  filename: string;
  type: string;
  file: FileContent;
}

export interface FormBody {
  boundary: string;
  parts: (FormField | FormFile)[];
}

export function isFormFile(part: FormField | FormFile): part is FormFile {
  return (part as FormFile).file !== undefined;
}

/**
 * Declared formats whose bytes are not read as text even when they happen to be UTF-8 (an edit
 * would break their structure). `application/octet-stream`, what a client sends when it does not
 * know, is not one of them: its bytes decide.
 */
const BINARY_TYPE = /^(?:image|audio|video|font)\/|^application\/(?:pdf|zip|gzip|x-tar)\b/i;
const BINARY_NAME =
  /\.(?:pdf|png|jpe?g|gif|webp|bmp|tiff?|ico|heic|zip|gz|tgz|bz2|xz|7z|rar|tar|mp[34]|wav|ogg|flac|webm|mov|docx?|xlsx?|pptx?|odt|woff2?|ttf|otf|exe|dll|so|dylib|bin|parquet)$/i;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The boundary of a multipart/form-data content type, or undefined for any other type. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** How an uploaded file's bytes are read (see the header). */
export function fileContent(bytes: Buffer, type: string, filename: string): FileContent {
  if (bytes.includes(0) || BINARY_TYPE.test(type) || BINARY_NAME.test(filename))
    return { kind: 'bytes', bytes };
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { kind: 'bytes', bytes };
  }
  const lines = jsonLines(text);
  return lines ?? { kind: 'text', text };
}

/** `text` as JSON Lines when every non-blank line is JSON and there are two or more lines, or one object. */
function jsonLines(text: string): FileContent | undefined {
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const raw = text.split(newline);
  const finalNewline = raw.length > 1 && raw[raw.length - 1] === '';
  if (finalNewline) raw.pop();
  const lines: unknown[] = [];
  for (const line of raw) {
    if (line.trim() === '') {
      lines.push(undefined);
      continue;
    }
    // Only objects and arrays: a line of text that happens to be a number or `true` is text.
    const first = line.trimStart()[0];
    if (first !== '{' && first !== '[') return undefined;
    try {
      lines.push(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  if (!lines.some((l) => l !== undefined)) return undefined;
  return { kind: 'lines', lines, newline, finalNewline };
}

export async function decodeForm(raw: Buffer, contentType: string | undefined): Promise<FormBody> {
  const boundary = formBoundary(contentType);
  if (boundary === undefined)
    throw new AirlockError(
      'AIRLOCK_BAD_MULTIPART',
      `content-type ${JSON.stringify(contentType ?? '')} is not multipart/form-data with a boundary`,
    );
  // Imported when an upload arrives: at the top it would load undici into every command that lists
  // dialects, `airlock scan` among them. Node 20's own Response parses with an older undici that
  // refuses a preamble, so the package's is used.
  const { Response } = await import('undici');
  let form: Awaited<ReturnType<InstanceType<typeof Response>['formData']>>;
  try {
    form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData();
  } catch (err) {
    throw new AirlockError('AIRLOCK_BAD_MULTIPART', (err as Error).message);
  }
  const parts: (FormField | FormFile)[] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') parts.push({ name, value });
    else {
      const bytes = Buffer.from(await value.arrayBuffer());
      parts.push({
        name,
        filename: value.name,
        type: value.type,
        file: fileContent(bytes, value.type, value.name),
      });
    }
  }
  return { boundary, parts };
}

/** A name or file name in a part header, escaped as browsers and undici escape it. */
function quoted(name: string): string {
  return `"${name.replace(/\r\n|[\r\n]/g, '%0D%0A').replace(/"/g, '%22')}"`;
}

function fileBytes(file: FileContent): Buffer {
  switch (file.kind) {
    case 'bytes':
      return file.bytes;
    case 'text':
      return Buffer.from(file.text, 'utf8');
    case 'lines': {
      const text = file.lines.map((l) => (l === undefined ? '' : JSON.stringify(l))).join(file.newline);
      return Buffer.from(file.finalNewline ? text + file.newline : text, 'utf8');
    }
  }
}

export function encodeForm(form: FormBody): Buffer {
  const chunks: Buffer[] = [];
  for (const part of form.parts) {
    let head = `--${form.boundary}\r\nContent-Disposition: form-data; name=${quoted(part.name)}`;
    if (isFormFile(part)) {
      head += `; filename=${quoted(part.filename)}`;
      if (part.type !== '') head += `\r\nContent-Type: ${part.type}`;
      chunks.push(Buffer.from(`${head}\r\n\r\n`), fileBytes(part.file), Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`${head}\r\n\r\n${part.value.replace(/\r\n|[\r\n]/g, '\r\n')}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${form.boundary}--\r\n`));
  return Buffer.concat(chunks);
}
