/**
 * File uploads: OpenAI POST /v1/files and Anthropic POST /v1/files, multipart/form-data (see
 * multipart.ts for how the body is read and written back). What is inspected:
 *   - a batch input file (JSON Lines of `{custom_id, method, url, body}`): each line's `body`
 *     as the endpoint its `url` names lists a request body (chat, responses, embeddings,
 *     completions); `custom_id` is left as it is (the results are matched to it);
 *   - any other JSON Lines (fine-tuning data, evals): every string and member name of each line;
 *   - a text file: its whole text; the file's name, and the form's other fields;
 *   - every part's field name and a file's declared content type: the client writes both into
 *     the part's header, and a name is anything the client chose (an SDK turns every parameter
 *     it is given into a field); what leaves is what was inspected.
 * A binary file (PDF, images) is sent as it came, uninspected (its name is inspected). The answer is the file's metadata: its name, echoed back, is restored.
 * https://platform.openai.com/docs/api-reference/files/create
 * https://docs.anthropic.com/en/api/files-create
 */
import type { Provider } from '../errors.js';
import { decodeForm, encodeForm, isFormFile, type FormBody, type FormFile } from './multipart.js';
import { openaiChat } from './openai-chat.js';
import { openaiCompletions } from './openai-completions.js';
import { openaiEmbeddings } from './openai-embeddings.js';
import { openaiResponses } from './openai-responses.js';
import type { AnswerField, Dialect, JsonPath, Segment, UninspectedPart } from './types.js';
import { addLeaves, addNested, fieldAt, isObject, pathOnly, WHOLE, type JsonObject } from './walk.js';

/** The endpoints a batch input file's lines may name (`url`), by path. */
const BATCH_ENDPOINTS: ReadonlyMap<string, Dialect> = new Map([
  ['/v1/chat/completions', openaiChat],
  ['/v1/responses', openaiResponses],
  ['/v1/embeddings', openaiEmbeddings],
  ['/v1/completions', openaiCompletions],
]);

/** The members of a batch line that say where its body goes, not what it says. */
const BATCH_LINE_KEYS: ReadonlySet<string> = new Set(['custom_id', 'method', 'url', 'body']);

function isForm(body: unknown): body is FormBody {
  return isObject(body) && Array.isArray(body.parts);
}

/** One line of JSON Lines at `path`: a batch request, or any JSON inspected whole. */
function addLine(out: Segment[], line: unknown, path: JsonPath): void {
  const endpoint =
    isObject(line) && typeof line.url === 'string' && isObject(line.body)
      ? BATCH_ENDPOINTS.get(pathOnly(line.url))
      : undefined;
  if (endpoint === undefined) {
    addLeaves(out, line, path, 'user');
    return;
  }
  const request = line as JsonObject;
  addNested(out, request.body, [...path, 'body'], endpoint.segments);
  for (const key of Object.keys(request)) {
    if (!BATCH_LINE_KEYS.has(key)) addLeaves(out, request[key], [...path, key], 'metadata');
  }
}

function addFile(out: Segment[], part: FormFile, path: JsonPath): void {
  out.push({ path: [...path, 'filename'], role: 'metadata', text: part.filename });
  if (part.type !== '') out.push({ path: [...path, 'type'], role: 'metadata', text: part.type });
  const file = part.file;
  const at = [...path, 'file'];
  if (file.kind === 'text') out.push({ path: [...at, 'text'], role: 'user', text: file.text });
  else if (file.kind === 'lines') file.lines.forEach((line, j) => addLine(out, line, [...at, 'lines', j]));
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isForm(body)) return out;
  body.parts.forEach((part, i) => {
    if (part.name !== '') out.push({ path: ['parts', i, 'name'], role: 'metadata', text: part.name });
    if (isFormFile(part)) addFile(out, part, ['parts', i]);
    else out.push({ path: ['parts', i, 'value'], role: 'metadata', text: part.value });
  });
  return out;
}

/** The files sent as they came (binary), for the audit log. */
function uninspected(body: unknown): UninspectedPart[] | undefined {
  if (!isForm(body)) return undefined;
  let out: UninspectedPart[] | undefined;
  for (const part of body.parts) {
    if (!isFormFile(part) || part.file.kind !== 'bytes') continue;
    (out ??= []).push({
      field: part.name,
      type: part.type,
      bytes: part.file.bytes.length,
      filename: part.filename,
    });
  }
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (isObject(answer)) fieldAt(out, answer, 'filename', 'filename', false, WHOLE);
  return out;
}

function filesDialect(provider: Provider): Dialect {
  return {
    id: provider === 'openai' ? 'openai-files' : 'anthropic-files',
    provider,
    segments,
    model: () => undefined,
    streaming: () => false,
    answerFields,
    codec: { decode: decodeForm, encode: (body) => encodeForm(body as FormBody), uninspected },
  };
}

export const openaiFiles = filesDialect('openai');
export const anthropicFiles = filesDialect('anthropic');
