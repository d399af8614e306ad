/**
 * OpenAI Responses API: POST /v1/responses (JSON, or SSE events named by their `type`), and
 * POST /v1/responses/input_tokens (same body, counted). Codex CLI speaks this dialect.
 * https://platform.openai.com/docs/api-reference/responses
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
  modelInBody,
  pathOnly,
  SCHEMA_STRUCTURE_KEYS,
  TOOL,
  type JsonObject,
  WHOLE,
  WHOLE_TOOL,
} from './walk.js';

const MESSAGE_ROLES: Readonly<Record<string, Role>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
};

/** Content part types that carry text in `text`. */
const TEXT_PARTS: ReadonlySet<unknown> = new Set([
  'input_text',
  'output_text',
  'text',
  'summary_text',
  'reasoning_text',
]);

/** Keys of input parts that name their kind, not their content. */
const PART_STRUCTURE_KEYS: ReadonlySet<string> = new Set(['type', 'file_id', 'detail']);

/** Top-level request fields that identify the end user or the session (Codex: the conversation id). */
const ID_FIELDS = ['user', 'safety_identifier', 'prompt_cache_key'] as const;

/** `content` / `output` that is a string or a list of text parts. */
function addParts(out: Segment[], item: JsonObject, key: string, path: JsonPath, role: Role): void {
  const value = item[key];
  if (typeof value === 'string') out.push({ path: [...path, key], role, text: value });
  else {
    arrayOf(value).forEach((part, j) => {
      if (!isObject(part)) return;
      const at = [...path, key, j];
      if (TEXT_PARTS.has(part.type)) addText(out, part, 'text', at, role);
      // An image or a file by its address or name; their bytes are no text.
      else if (part.type === 'input_image') addUrl(out, part, 'image_url', at, role);
      else if (part.type === 'input_file') {
        addText(out, part, 'filename', at, role);
        addUrl(out, part, 'file_url', at, role);
      }
    });
  }
}

/** One input item at `path` (a message, a tool call or its output, reasoning...). */
export function addItem(out: Segment[], item: unknown, path: JsonPath): void {
  if (!isObject(item)) return;
  switch (item.type ?? 'message') {
    case 'message':
      addParts(out, item, 'content', path, MESSAGE_ROLES[String(item.role)] ?? 'user');
      return;
    case 'function_call':
      addText(out, item, 'arguments', path, 'tool_use');
      return;
    case 'custom_tool_call':
      addText(out, item, 'input', path, 'tool_use');
      return;
    case 'local_shell_call':
    case 'shell_call':
      addLeaves(out, item.action, [...path, 'action'], 'tool_use');
      return;
    case 'apply_patch_call':
      if (isObject(item.operation)) {
        addText(out, item.operation, 'path', [...path, 'operation'], 'tool_use');
        addText(out, item.operation, 'diff', [...path, 'operation'], 'tool_use');
      }
      return;
    case 'mcp_call':
      addText(out, item, 'arguments', path, 'tool_use');
      addText(out, item, 'output', path, 'tool_result');
      return;
    case 'shell_call_output':
      // [{stdout, stderr, outcome}]
      addLeaves(out, item.output, [...path, 'output'], 'tool_result', PART_STRUCTURE_KEYS);
      return;
    case 'function_call_output':
    case 'custom_tool_call_output':
    case 'local_shell_call_output':
    case 'apply_patch_call_output':
      addParts(out, item, 'output', path, 'tool_result');
      return;
    case 'tool_search_output':
      // The tools a search found, given to the model as `tools` are (an MCP server's with its
      // token).
      arrayOf(item.tools).forEach((tool, j) => addTool(out, tool, [...path, 'tools', j]));
      return;
    case 'reasoning':
      addParts(out, item, 'summary', path, 'assistant');
      addParts(out, item, 'content', path, 'assistant');
      return;
    default:
    // Images, files, web search calls...: no free text to inspect.
  }
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addText(out, body, 'instructions', [], 'system');
  if (typeof body.input === 'string') addText(out, body, 'input', [], 'user');
  else arrayOf(body.input).forEach((item, i) => addItem(out, item, ['input', i]));
  arrayOf(body.tools).forEach((tool, i) => addTool(out, tool, ['tools', i]));
  // A stored prompt filled in with the caller's variables (strings or input parts).
  if (isObject(body.prompt))
    addLeaves(out, body.prompt.variables, ['prompt', 'variables'], 'user', PART_STRUCTURE_KEYS);
  for (const key of ID_FIELDS) addText(out, body, key, [], 'metadata');
  // Codex sends `client_metadata`: installation, session and turn ids, and a JSON string with
  // the workspace paths and git commit.
  for (const map of ['metadata', 'client_metadata']) addMetadata(out, body, map);
  return out;
}

/** One tool the model is given (in `tools`, or found by a tool search) at `path`. */
function addTool(out: Segment[], tool: unknown, path: JsonPath): void {
  if (!isObject(tool)) return;
  if (tool.type === 'mcp') return addMcpTool(out, tool, path);
  addText(out, tool, 'name', path, 'tool_definition');
  addText(out, tool, 'description', path, 'tool_definition');
  addLeaves(out, tool.parameters, [...path, 'parameters'], 'tool_definition', SCHEMA_STRUCTURE_KEYS);
}

/**
 * A remote MCP server the provider calls (`type: "mcp"`): its `server_url` is where the provider
 * connects (role `tool_server`), its `authorization` and `headers` values what it sends there
 * (role `credential`), all sent as given unless the policy names their role (docs/policy.md: a
 * stand-in host or token makes the server's tools fail upstream); its description is the model's
 * to read, as a tool's. The `server_label`, the allowed tools' names and a connector's or a
 * tunnel's id are ids that the model's calls and the answers refer to: not read.
 */
function addMcpTool(out: Segment[], tool: JsonObject, path: JsonPath): void {
  addText(out, tool, 'server_url', path, 'tool_server');
  addText(out, tool, 'authorization', path, 'credential');
  if (isObject(tool.headers))
    for (const name of Object.keys(tool.headers))
      addText(out, tool.headers, name, [...path, 'headers'], 'credential');
  addText(out, tool, 'server_description', path, 'tool_definition');
}

/** The values of the string map `body[map]` (`metadata`: the caller's own keys and values). */
export function addMetadata(out: Segment[], body: JsonObject, map: string): void {
  const values = body[map];
  if (isObject(values)) for (const key of Object.keys(values)) addText(out, values, key, [map], 'metadata');
}

/** Fields of one output item (whole: in a response, or in output_item.added/done). */
export function itemFields(out: AnswerField[], item: unknown, channel: string): void {
  if (!isObject(item)) return;
  if (item.type === 'message') {
    arrayOf(item.content).forEach((part, j) => {
      if (isObject(part)) fieldAt(out, part, 'text', `${channel}:${j}`, false, WHOLE);
    });
  } else if (item.type === 'function_call') fieldAt(out, item, 'arguments', channel, true, WHOLE_TOOL);
  else if (item.type === 'custom_tool_call') fieldAt(out, item, 'input', channel, false, WHOLE_TOOL);
  else if (item.type === 'shell_call') leafFields(out, item.action, `${channel}:action`);
  else if (item.type === 'apply_patch_call') leafFields(out, item.operation, `${channel}:operation`);
  else if (item.type === 'reasoning') {
    arrayOf(item.summary).forEach((part, k) => {
      if (isObject(part)) fieldAt(out, part, 'text', `${channel}:summary:${k}`, false, WHOLE);
    });
    arrayOf(item.content).forEach((part, k) => {
      if (isObject(part)) fieldAt(out, part, 'text', `${channel}:reasoning:${k}`, false, WHOLE);
    });
  }
}

function responseFields(out: AnswerField[], response: unknown, prefix: string): void {
  if (!isObject(response)) return;
  arrayOf(response.output).forEach((item, i) => itemFields(out, item, `${prefix}${i}`));
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  const type = answer.type;
  if (typeof type !== 'string') {
    // A whole (non-streamed) answer: {"object":"response","output":[...]}; a compacted
    // conversation's (`response.compaction`) lists the user messages it kept the same way.
    if (answer.object === 'response' || answer.object === 'response.compaction')
      responseFields(out, answer, '');
    return out;
  }
  // A delta continues the channel of its output item (and content part); whole values in
  // `.done`, `.added` and response snapshots get channels of their own.
  const oi = String(answer.output_index);
  const part = `${oi}:${String(answer.content_index)}`;
  switch (type) {
    case 'response.output_text.delta':
      fieldAt(out, answer, 'delta', part, false);
      break;
    case 'response.output_text.done':
      fieldAt(out, answer, 'text', `${part}:done`, false, WHOLE);
      break;
    case 'response.function_call_arguments.delta':
      fieldAt(out, answer, 'delta', oi, true, TOOL);
      break;
    case 'response.function_call_arguments.done':
      fieldAt(out, answer, 'arguments', `${oi}:done`, true, WHOLE_TOOL);
      break;
    case 'response.custom_tool_call_input.delta':
      fieldAt(out, answer, 'delta', oi, false, TOOL);
      break;
    case 'response.custom_tool_call_input.done':
      fieldAt(out, answer, 'input', `${oi}:done`, false, WHOLE_TOOL);
      break;
    case 'response.reasoning_summary_text.delta':
      fieldAt(out, answer, 'delta', `${oi}:summary:${String(answer.summary_index)}`, false);
      break;
    case 'response.reasoning_summary_text.done':
      fieldAt(out, answer, 'text', `${oi}:summary:${String(answer.summary_index)}:done`, false, WHOLE);
      break;
    case 'response.reasoning_text.delta':
      fieldAt(out, answer, 'delta', `${oi}:reasoning:${String(answer.content_index)}`, false);
      break;
    case 'response.reasoning_text.done':
      fieldAt(out, answer, 'text', `${oi}:reasoning:${String(answer.content_index)}:done`, false, WHOLE);
      break;
    case 'response.reasoning_summary_part.added':
    case 'response.reasoning_summary_part.done':
      if (isObject(answer.part)) {
        const end = type.slice(type.lastIndexOf('.') + 1);
        fieldAt(
          out,
          answer.part,
          'text',
          `${oi}:summary:${String(answer.summary_index)}:part:${end}`,
          false,
          WHOLE,
        );
      }
      break;
    case 'response.content_part.added':
    case 'response.content_part.done':
      if (isObject(answer.part))
        fieldAt(out, answer.part, 'text', `${part}:part:${type.slice(22)}`, false, WHOLE);
      break;
    case 'response.output_item.added':
    case 'response.output_item.done':
      itemFields(out, answer.item, `${oi}:item:${type.slice(21)}`);
      break;
    default:
      // response.created / in_progress / completed / incomplete / failed carry a snapshot.
      if (type.startsWith('response.')) responseFields(out, answer.response, `${type}:`);
  }
  return out;
}

export const openaiResponses: Dialect = {
  id: 'openai-responses',
  provider: 'openai',
  segments,
  model: modelInBody,
  streaming: (body, path) =>
    isObject(body) && body.stream === true && !pathOnly(path).endsWith('/input_tokens'),
  answerFields,
};
