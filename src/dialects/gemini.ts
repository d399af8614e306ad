/**
 * Gemini API: POST /v1beta/models/{model}:generateContent, :streamGenerateContent and
 * :countTokens. https://ai.google.dev/api/generate-content
 *
 * :streamGenerateContent answers SSE only with `?alt=sse` (what @google/genai and Gemini CLI
 * send); without it the answer is one JSON array whose elements arrive over time. `streaming()`
 * is true only for SSE; `answerFields()` also accepts the whole array.
 */
import type { AnswerField, Dialect, JsonPath, Role, Segment } from './types.js';
import {
  addUrl,
  addLeaves,
  addText,
  arrayOf,
  fieldAt,
  isObject,
  leafFields,
  pathOnly,
  SCHEMA_STRUCTURE_KEYS,
  type JsonObject,
} from './walk.js';

const MODEL_IN_PATH = /\/(?:models|tunedModels)\/([^/:]+):/;

/** The path without a query string and with a percent-encoded ":" decoded (some clients send %3A). */
function cleanPath(path: string): string {
  return pathOnly(path).replace(/%3a/gi, ':');
}

/** How the answer of a Gemini call is framed. */
export function geminiAnswerFormat(path: string, query: URLSearchParams): 'json' | 'sse' | 'json-array' {
  if (!cleanPath(path).endsWith(':streamGenerateContent')) return 'json';
  return query.get('alt') === 'sse' ? 'sse' : 'json-array';
}

function addParts(out: Segment[], content: JsonObject, path: JsonPath, role: Role): void {
  arrayOf(content.parts).forEach((part, j) => {
    if (!isObject(part)) return;
    const at = [...path, 'parts', j];
    const first = out.length;
    addText(out, part, 'text', at, role);
    if (isObject(part.functionCall))
      addLeaves(out, part.functionCall.args, [...at, 'functionCall', 'args'], 'tool_use');
    if (isObject(part.functionResponse)) {
      addLeaves(out, part.functionResponse.response, [...at, 'functionResponse', 'response'], 'tool_result');
    }
    // A file by its address (a bucket named after a project, a user's folder); inline bytes are no text.
    if (isObject(part.fileData)) addUrl(out, part.fileData, 'fileUri', [...at, 'fileData'], role);
    if (isObject(part.executableCode))
      addText(out, part.executableCode, 'code', [...at, 'executableCode'], role);
    if (isObject(part.codeExecutionResult)) {
      addText(out, part.codeExecutionResult, 'output', [...at, 'codeExecutionResult'], 'tool_result');
    }
    // The model's own part (a thought, or the call it made after one), as the API signed it.
    if (role === 'assistant' && typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '')
      for (let k = first; k < out.length; k++) (out[k] as Segment).signed = true;
  });
}

/** One Content at `path`, its parts in the role its `role` names (user when it names none). */
export function addContent(out: Segment[], content: unknown, path: JsonPath): void {
  if (!isObject(content)) return;
  const role: Role =
    content.role === 'model' ? 'assistant' : content.role === 'function' ? 'tool_result' : 'user';
  addParts(out, content, path, role);
}

/**
 * The conversation members of a GenerateContentRequest at `path`: systemInstruction, contents
 * and tools (the body, countTokens' `generateContentRequest`, a CachedContent).
 */
export function addGenerateRequest(out: Segment[], req: JsonObject, path: JsonPath): void {
  const sys = req.systemInstruction;
  if (typeof sys === 'string') out.push({ path: [...path, 'systemInstruction'], role: 'system', text: sys });
  else if (isObject(sys)) addParts(out, sys, [...path, 'systemInstruction'], 'system');
  arrayOf(req.contents).forEach((content, i) => addContent(out, content, [...path, 'contents', i]));
  arrayOf(req.tools).forEach((tool, i) => {
    if (!isObject(tool)) return;
    arrayOf(tool.functionDeclarations).forEach((decl, k) => {
      if (!isObject(decl)) return;
      const at = [...path, 'tools', i, 'functionDeclarations', k];
      addText(out, decl, 'name', at, 'tool_definition');
      addText(out, decl, 'description', at, 'tool_definition');
      for (const key of ['parameters', 'parametersJsonSchema']) {
        addLeaves(out, decl[key], [...at, key], 'tool_definition', SCHEMA_STRUCTURE_KEYS);
      }
    });
  });
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addGenerateRequest(out, body, []);
  if (isObject(body.generateContentRequest))
    addGenerateRequest(out, body.generateContentRequest, ['generateContentRequest']);
  return out;
}

/** Fields of one GenerateContentResponse (a whole answer or one streamed chunk). */
function responseFields(out: AnswerField[], answer: unknown): void {
  if (!isObject(answer)) return;
  arrayOf(answer.candidates).forEach((candidate, c) => {
    if (!isObject(candidate) || !isObject(candidate.content)) return;
    const ci = typeof candidate.index === 'number' ? candidate.index : c;
    arrayOf(candidate.content.parts).forEach((part, j) => {
      if (!isObject(part)) return;
      // Chunks continue the candidate's text; thoughts are a separate stream of text.
      fieldAt(out, part, 'text', part.thought === true ? `${ci}:thought` : String(ci), false);
      // Function calls arrive whole, never split across chunks.
      if (isObject(part.functionCall)) leafFields(out, part.functionCall.args, `${ci}:${j}:args`);
    });
  });
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (Array.isArray(answer)) for (const chunk of answer) responseFields(out, chunk);
  else responseFields(out, answer);
  return out;
}

/** The model a `/models/{model}:action` path names, decoded. */
export function modelInPath(path: string): string | undefined {
  const m = MODEL_IN_PATH.exec(cleanPath(path));
  if (m?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1]; // a malformed escape: report the name as sent
  }
}

export const gemini: Dialect = {
  id: 'gemini-generate',
  provider: 'gemini',
  segments,
  model: (_body, path) => modelInPath(path),
  streaming: (_body, path, query) => geminiAnswerFormat(path, query) === 'sse',
  streamsJsonArray: (path, query) => geminiAnswerFormat(path, query) === 'json-array',
  answerFields,
};
