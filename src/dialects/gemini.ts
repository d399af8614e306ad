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

/**
 * The keys `obj` has of a field, spelled `camel` or `snake`: the API reads proto3 JSON, which
 * takes either (Google's own REST examples write `system_instruction`), so a request that
 * spells a field the other way must not go by uninspected. The camelCase one first.
 */
export function spelled(obj: JsonObject, camel: string, snake: string): string[] {
  const hasCamel = obj[camel] !== undefined;
  if (obj[snake] === undefined) return hasCamel ? [camel] : NONE;
  return hasCamel ? [camel, snake] : [snake];
}

const NONE: string[] = [];

function addParts(out: Segment[], content: JsonObject, path: JsonPath, role: Role): void {
  arrayOf(content.parts).forEach((part, j) => {
    if (!isObject(part)) return;
    const at = [...path, 'parts', j];
    const first = out.length;
    addText(out, part, 'text', at, role);
    for (const key of spelled(part, 'functionCall', 'function_call')) {
      const call = part[key];
      if (isObject(call)) addLeaves(out, call.args, [...at, key, 'args'], 'tool_use');
    }
    for (const key of spelled(part, 'functionResponse', 'function_response')) {
      const response = part[key];
      if (isObject(response)) addLeaves(out, response.response, [...at, key, 'response'], 'tool_result');
    }
    // A file by its address (a bucket named after a project, a user's folder); inline bytes are no text.
    for (const key of spelled(part, 'fileData', 'file_data')) {
      const file = part[key];
      if (isObject(file))
        for (const uri of spelled(file, 'fileUri', 'file_uri')) addUrl(out, file, uri, [...at, key], role);
    }
    for (const key of spelled(part, 'executableCode', 'executable_code')) {
      const code = part[key];
      if (isObject(code)) addText(out, code, 'code', [...at, key], role);
    }
    for (const key of spelled(part, 'codeExecutionResult', 'code_execution_result')) {
      const result = part[key];
      if (isObject(result)) addText(out, result, 'output', [...at, key], 'tool_result');
    }
    // The model's own part (a thought, or the call it made after one), as the API signed it.
    if (role === 'assistant' && isSigned(part))
      for (let k = first; k < out.length; k++) (out[k] as Segment).signed = true;
  });
}

function isSigned(part: JsonObject): boolean {
  return spelled(part, 'thoughtSignature', 'thought_signature').some(
    (key) => typeof part[key] === 'string' && part[key] !== '',
  );
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
  for (const key of spelled(req, 'systemInstruction', 'system_instruction')) {
    const sys = req[key];
    if (typeof sys === 'string') out.push({ path: [...path, key], role: 'system', text: sys });
    else if (isObject(sys)) addParts(out, sys, [...path, key], 'system');
  }
  arrayOf(req.contents).forEach((content, i) => addContent(out, content, [...path, 'contents', i]));
  arrayOf(req.tools).forEach((tool, i) => {
    if (!isObject(tool)) return;
    for (const declsKey of spelled(tool, 'functionDeclarations', 'function_declarations'))
      arrayOf(tool[declsKey]).forEach((decl, k) => {
        if (!isObject(decl)) return;
        const at = [...path, 'tools', i, declsKey, k];
        addText(out, decl, 'name', at, 'tool_definition');
        addText(out, decl, 'description', at, 'tool_definition');
        for (const key of ['parameters', ...spelled(decl, 'parametersJsonSchema', 'parameters_json_schema')])
          addLeaves(out, decl[key], [...at, key], 'tool_definition', SCHEMA_STRUCTURE_KEYS);
      });
    for (const serversKey of spelled(tool, 'mcpServers', 'mcp_servers'))
      arrayOf(tool[serversKey]).forEach((server, k) =>
        addMcpServer(out, server, [...path, 'tools', i, serversKey, k]),
      );
  });
}

/**
 * An MCP server the provider calls (`mcpServers`): the transport's `url` is where it connects
 * (role `tool_server`), its `headers` values what it sends there, a token (role `credential`),
 * sent as given unless the policy names their role (docs/policy.md: a stand-in makes the
 * server's tools fail upstream). The server's name is the id its calls name it by, the headers'
 * names and the timeouts are the protocol's: not read.
 */
function addMcpServer(out: Segment[], server: unknown, path: JsonPath): void {
  if (!isObject(server)) return;
  for (const transportKey of spelled(server, 'streamableHttpTransport', 'streamable_http_transport')) {
    const transport = server[transportKey];
    if (!isObject(transport)) continue;
    const at = [...path, transportKey];
    addText(out, transport, 'url', at, 'tool_server');
    if (isObject(transport.headers))
      for (const name of Object.keys(transport.headers))
        addText(out, transport.headers, name, [...at, 'headers'], 'credential');
  }
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addGenerateRequest(out, body, []);
  for (const key of spelled(body, 'generateContentRequest', 'generate_content_request')) {
    const inner = body[key];
    if (isObject(inner)) addGenerateRequest(out, inner, [key]);
  }
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
