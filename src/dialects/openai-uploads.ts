/**
 * OpenAI Uploads API, a file sent in parts: POST /v1/uploads creates an upload (`filename`,
 * `purpose`, `bytes`, `mime_type`), POST /v1/uploads/{id}/parts sends one part (multipart, a
 * `data` chunk of up to 64 MB), POST /v1/uploads/{id}/complete makes the file. The file name is
 * inspected on create; each part is read as an upload to /v1/files is (file-uploads.ts): a
 * chunk of UTF-8 text is inspected as text, a binary one goes as it came (listed as uninspected
 * in the audit event). A value split across two parts is in neither whole, and is not seen. The
 * create's answer names the file: restored. /complete carries no text (part ids) and is
 * passthrough: its answer's file name is the surrogate, as a batch's results are.
 * https://platform.openai.com/docs/api-reference/uploads
 */
import { openaiFiles } from './file-uploads.js';
import type { AnswerField, Dialect, Segment } from './types.js';
import { addText, fieldAt, isObject, WHOLE } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (isObject(body)) addText(out, body, 'filename', [], 'metadata');
  return out;
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  fieldAt(out, answer, 'filename', 'filename', false, WHOLE);
  return out;
}

/** Create: JSON. */
export const openaiUploads: Dialect = {
  id: 'openai-uploads',
  provider: 'openai',
  segments,
  model: () => undefined,
  streaming: () => false,
  answerFields,
};

/** One part: multipart/form-data, read as /v1/files reads an upload. */
export const openaiUploadParts: Dialect = {
  ...openaiFiles,
  id: 'openai-upload-parts',
  answerFields: () => [],
};
