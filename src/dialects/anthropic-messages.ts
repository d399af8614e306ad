/**
 * Anthropic Messages API: POST /v1/messages (JSON or SSE) and /v1/messages/count_tokens.
 * Request shape: https://docs.anthropic.com/en/api/messages ; stream events:
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import { markRun } from '../detect/runs.js';
import { isRemembered } from './parse-json.js';
import type { AnswerField, Dialect, JsonPath, Role, Segment } from './types.js';
import {
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
  type FieldKind,
  type JsonObject,
  WHOLE,
} from './walk.js';

/** One content block of a message (or of a tool_result) at `path`. */
function addBlock(out: Segment[], block: unknown, path: JsonPath, role: Role): void {
  if (!isObject(block)) return;
  switch (block.type) {
    case 'text':
      addText(out, block, 'text', path, role);
      return;
    case 'thinking':
      if (
        role === 'assistant' &&
        typeof block.signature === 'string' &&
        block.signature !== '' &&
        typeof block.thinking === 'string'
      )
        out.push({ path: [...path, 'thinking'], role, text: block.thinking, signed: true, sealed: true });
      else addText(out, block, 'thinking', path, role);
      return;
    case 'tool_use':
    case 'server_tool_use':
    case 'mcp_tool_use':
      addLeaves(out, block.input, [...path, 'input'], 'tool_use');
      return;
    case 'tool_result':
    case 'mcp_tool_result':
      addToolResult(out, block, path);
      return;
    case 'document':
      // What the client says of it, its text (inline, or as content blocks) and where it is.
      addText(out, block, 'title', path, role);
      addText(out, block, 'context', path, role);
      addSource(out, block.source, [...path, 'source'], role);
      return;
    case 'image':
      // The bytes are no text; a URL may name an internal host.
      addSource(out, block.source, [...path, 'source'], role);
      return;
    case 'search_result':
      // RAG results passed by the client: where they came from and their text blocks.
      addText(out, block, 'source', path, role);
      addText(out, block, 'title', path, role);
      arrayOf(block.content).forEach((inner, k) => addBlock(out, inner, [...path, 'content', k], role));
      return;
    default:
    // Images, redacted thinking...: no free text to inspect.
  }
}

/**
 * A document's or image's `source`: `text` carries the text in `data`, `content` a string or
 * content blocks, `url` an address (an intranet host, a user name in a path); `base64` bytes and
 * `file` ids are no text.
 */
function addSource(out: Segment[], source: unknown, path: JsonPath, role: Role): void {
  if (!isObject(source)) return;
  switch (source.type) {
    case 'text':
      addText(out, source, 'data', path, role);
      return;
    case 'content':
      if (typeof source.content === 'string') addText(out, source, 'content', path, role);
      else arrayOf(source.content).forEach((inner, k) => addBlock(out, inner, [...path, 'content', k], role));
      return;
    case 'url':
      addText(out, source, 'url', path, role);
      return;
    default:
  }
}

function addToolResult(out: Segment[], block: JsonObject, path: JsonPath): void {
  const content = block.content;
  if (typeof content === 'string') {
    out.push({ path: [...path, 'content'], role: 'tool_result', text: content });
    return;
  }
  arrayOf(content).forEach((inner, k) => addBlock(out, inner, [...path, 'content', k], 'tool_result'));
}

/** A message's content: a string or an array of blocks. */
export function addContent(out: Segment[], content: unknown, path: JsonPath, role: Role): void {
  if (typeof content === 'string') out.push({ path, role, text: content });
  else arrayOf(content).forEach((block, j) => addBlock(out, block, [...path, j], role));
}

/**
 * Segments under a value the body parser remembered (see parse-json.ts: the tools and system
 * prompt resent every turn, and each earlier turn of the conversation resent unchanged), kept
 * by the value's identity: that value never changes, and neither do its segments (frozen, paths
 * included, since requests share them). A turn's segments are kept with its index, which their
 * paths hold: the same message at another index (a client that dropped earlier turns) lists
 * them again. Top-level values have index -1.
 */
const remembered = new WeakMap<object, { index: number; segs: readonly Segment[] }>();

function addRemembered(out: Segment[], value: unknown, list: (into: Segment[]) => void, index = -1): void {
  if (!isRemembered(value)) return list(out);
  let kept = remembered.get(value as object);
  if (kept === undefined || kept.index !== index) {
    const own: Segment[] = [];
    list(own);
    for (const seg of own) Object.freeze(Object.freeze(seg).path);
    // One run (src/detect/runs.ts): detectors keep what they derive per run, not per segment.
    markRun(Object.freeze(own));
    remembered.set(value as object, (kept = { index, segs: own }));
  }
  // Indexed: for-of made an iterator result per segment here (7.6 KB per capture request).
  const segs = kept.segs;
  for (let k = 0; k < segs.length; k++) out.push(segs[k] as Segment);
}

function addTools(out: Segment[], tools: unknown): void {
  arrayOf(tools).forEach((tool, i) => {
    if (!isObject(tool)) return;
    addText(out, tool, 'name', ['tools', i], 'tool_definition');
    addText(out, tool, 'description', ['tools', i], 'tool_definition');
    addLeaves(out, tool.input_schema, ['tools', i, 'input_schema'], 'tool_definition', SCHEMA_STRUCTURE_KEYS);
  });
}

/**
 * The MCP servers the provider calls for the model (MCP connector, beta `mcp-client`): a
 * server's `url` is where the provider connects (role `tool_server`), its `authorization_token`
 * what it authenticates with (role `credential`), both sent as given unless the policy names
 * their role (docs/policy.md: a stand-in host or token makes the server's tools fail upstream).
 * Its `name` and the names of its tools are ids that the request's `mcp_toolset`s, the model's
 * calls and the answers refer to: not read.
 */
export function addMcpServers(out: Segment[], servers: unknown, path: JsonPath): void {
  arrayOf(servers).forEach((server, i) => {
    if (!isObject(server)) return;
    addText(out, server, 'url', [...path, i], 'tool_server');
    addText(out, server, 'authorization_token', [...path, i], 'credential');
  });
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addRemembered(out, body.system, (into) => addContent(into, body.system, ['system'], 'system'));
  arrayOf(body.messages).forEach((message, i) => {
    if (!isObject(message)) return;
    addRemembered(
      out,
      message,
      (into) => {
        // Claude Code (2.1.3xx) sends its environment block as a message of role `system`.
        const role: Role =
          message.role === 'assistant' ? 'assistant' : message.role === 'system' ? 'system' : 'user';
        addContent(into, message.content, ['messages', i, 'content'], role);
      },
      i,
    );
  });
  addRemembered(out, body.tools, (into) => addTools(into, body.tools));
  addMcpServers(out, body.mcp_servers, ['mcp_servers']);
  // Claude Code puts a JSON string here: {"device_id":...,"account_uuid":...,"session_id":...}.
  if (isObject(body.metadata)) addText(out, body.metadata, 'user_id', ['metadata'], 'metadata');
  // Claude Code (2.1.3xx, in plan and auto modes) sends the context of the provider's classifier of
  // dangerous tool calls: working directory, home, settings roots, git state and the user's name.
  arrayOf(body.safeguards).forEach((safeguard, i) =>
    addLeaves(out, safeguard, ['safeguards', i], 'metadata'),
  );
  return out;
}

/**
 * Fields of one content block of an answer; `channel` names the block. In a whole message the
 * text is whole; in content_block_start it is the start of what the deltas continue.
 */
function blockFields(out: AnswerField[], block: unknown, channel: string, kind: FieldKind): void {
  if (!isObject(block)) return;
  // A thinking block is not restored: its signature covers the surrogates the model wrote, and
  // the client sends it back as received (see Segment.sealed).
  if (block.type === 'text') fieldAt(out, block, 'text', channel, false, kind);
  else if (block.type === 'tool_use' || block.type === 'server_tool_use' || block.type === 'mcp_tool_use') {
    leafFields(out, block.input, `${channel}:input`);
  }
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  switch (answer.type) {
    case 'message':
      arrayOf(answer.content).forEach((block, i) => blockFields(out, block, String(i), WHOLE));
      break;
    case 'message_start':
      if (isObject(answer.message)) {
        arrayOf(answer.message.content).forEach((block, i) => blockFields(out, block, `start:${i}`, WHOLE));
      }
      break;
    case 'content_block_start':
      blockFields(out, answer.content_block, String(answer.index), {});
      break;
    case 'content_block_delta': {
      const delta = answer.delta;
      if (!isObject(delta)) break;
      const channel = String(answer.index);
      if (delta.type === 'text_delta') fieldAt(out, delta, 'text', channel, false);
      else if (delta.type === 'input_json_delta') fieldAt(out, delta, 'partial_json', channel, true, TOOL);
      break;
    }
    default:
  }
  return out;
}

export const anthropicMessages: Dialect = {
  id: 'anthropic-messages',
  provider: 'anthropic',
  segments,
  model: modelInBody,
  streaming: (body, path) =>
    isObject(body) && body.stream === true && !pathOnly(path).endsWith('/count_tokens'),
  answerFields,
};
