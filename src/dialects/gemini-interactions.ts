/**
 * Gemini Interactions API: POST /v1beta/interactions (@google/genai's `client.interactions.create`),
 * JSON, or SSE when the body says `"stream": true`. https://ai.google.dev/gemini-api/docs/interactions
 *
 * Shapes as @google/genai 3.3 types them (dist/genai.d.ts: CreateModelInteraction,
 * CreateAgentInteraction, Interaction, Step, InteractionSSEEvent):
 * - request: `input` is a string, one content (`{type: "text", text}`, an image, a document...),
 *   a list of contents, or a list of steps (`user_input` and `model_output` with `content`,
 *   `thought` with `summary` and `signature`, `function_call` with an `arguments` object,
 *   `function_result` with a `result` that is a string, an object or contents, and the server
 *   tools' calls and results); `system_instruction` is a string; `tools` are `function`
 *   declarations (name, description, JSON Schema `parameters`) and server tools (an MCP server's
 *   url and headers, sent as given...); an agent's `environment` may carry environment variables
 *   (sent as given), files, the sources it fetches and the hosts it may reach (as given too);
 *   `webhook_config.uris` are called back by the provider (as given).
 * - answer: an Interaction whose `steps` are the same steps; the stream's events are named by
 *   `event_type`: `interaction.created`, `step.start` (the step's shell), `step.delta` (`text`,
 *   `arguments_delta` with JSON fragments of a function call's arguments, `thought_summary`,
 *   `thought_signature`...), `step.stop`, `interaction.status_update`, `interaction.completed`.
 * The API's earlier shape is read too: `input` as turns (`{role, content}`), an answer's
 * `outputs` (contents, among them `function_call` and `thought`), and `content.start`,
 * `content.delta`, `content.stop`, `interaction.start`, `interaction.complete` events.
 *
 * A step the model signed (`signature`: a thought, a server tool's call) is sent back as the
 * model wrote it (Segment.signed), as a Gemini part with a thoughtSignature is.
 */
import type { AnswerField, Dialect, JsonPath, Role, Segment } from './types.js';
import {
  addLeaves,
  addText,
  addTexts,
  addUrl,
  arrayOf,
  asksForStream,
  fieldAt,
  isObject,
  leafFields,
  SCHEMA_STRUCTURE_KEYS,
  str,
  TOOL,
  type JsonObject,
  WHOLE,
  WHOLE_TOOL,
} from './walk.js';

/** Keys of steps, contents and server tools that name their kind or an id, not their content. */
const STRUCTURE_KEYS: ReadonlySet<string> = new Set([
  'type',
  'id',
  'call_id',
  'signature',
  'mime_type',
  'resolution',
  'is_error',
  'language',
  'encoding',
  // A media content's bytes (base64): no text, and an edit would break them.
  'data',
]);

/** Contents whose address (`uri`) may name a bucket, a host or a user's folder; their bytes are no text. */
const MEDIA: ReadonlySet<unknown> = new Set(['image', 'document', 'audio', 'video']);

function isSigned(item: JsonObject): boolean {
  return typeof item.signature === 'string' && item.signature !== '';
}

/** `value` at `path`: a string, one content, or a list of contents (or of steps, or turns). */
function addContents(out: Segment[], value: unknown, path: JsonPath, role: Role): void {
  if (typeof value === 'string') out.push({ path, role, text: value });
  else if (Array.isArray(value)) value.forEach((item, i) => addItem(out, item, [...path, i], role));
  else addItem(out, value, path, role);
}

/**
 * One content or step at `path`; `role` is the role of what holds it (the user's input, a
 * model's output). Content and step types share names (`function_call`, `thought`...).
 */
function addItem(out: Segment[], item: unknown, path: JsonPath, role: Role): void {
  if (!isObject(item)) return;
  const first = out.length;
  const type = item.type;
  if (type === undefined && item.role !== undefined) {
    // A turn of the earlier shape: {role: "user" | "model", content}.
    addContents(out, item.content, [...path, 'content'], item.role === 'model' ? 'assistant' : 'user');
    return;
  }
  switch (type) {
    case 'text':
      addText(out, item, 'text', path, role);
      break;
    case 'user_input':
      addContents(out, item.content, [...path, 'content'], 'user');
      break;
    case 'model_output':
      addContents(out, item.content, [...path, 'content'], 'assistant');
      break;
    case 'thought':
      addContents(out, item.summary, [...path, 'summary'], 'assistant');
      break;
    case 'function_call':
    case 'mcp_server_tool_call':
      addLeaves(out, item.arguments, [...path, 'arguments'], 'tool_use');
      break;
    case 'function_result':
    case 'mcp_server_tool_result':
    case 'code_execution_result':
      addResult(out, item.result, [...path, 'result']);
      break;
    default:
      if (MEDIA.has(type)) {
        addUrl(out, item, 'uri', path, role);
        if (type === 'video') addText(out, item, 'name', path, role);
      } else if (typeof type === 'string' && type.endsWith('_call')) {
        // A server tool's call (code execution, search, URL context, maps, retrieval): the code,
        // queries or addresses the model asked for.
        addLeaves(out, item.arguments, [...path, 'arguments'], 'tool_use', STRUCTURE_KEYS);
      } else if (typeof type === 'string' && type.endsWith('_result')) {
        addLeaves(out, item.result, [...path, 'result'], 'tool_result', STRUCTURE_KEYS);
      } else {
        // A kind this reading does not know: every text in it, for what it is worth.
        addLeaves(out, item, path, role, STRUCTURE_KEYS);
      }
  }
  if (isSigned(item)) for (let k = first; k < out.length; k++) (out[k] as Segment).signed = true;
}

/** A tool result: a string, an object (any JSON), or a list of contents. */
function addResult(out: Segment[], result: unknown, path: JsonPath): void {
  if (Array.isArray(result) && result.every((r) => isObject(r) && typeof r.type === 'string'))
    result.forEach((item, i) => addItem(out, item, [...path, i], 'tool_result'));
  else addLeaves(out, result, path, 'tool_result', STRUCTURE_KEYS);
}

function addTool(out: Segment[], tool: unknown, path: JsonPath): void {
  if (!isObject(tool)) return;
  if (tool.type === 'function') {
    addText(out, tool, 'name', path, 'tool_definition');
    addText(out, tool, 'description', path, 'tool_definition');
    addLeaves(out, tool.parameters, [...path, 'parameters'], 'tool_definition', SCHEMA_STRUCTURE_KEYS);
    return;
  }
  if (tool.type === 'mcp_server') {
    // The provider calls it: its url (role tool_server) and the headers it sends there, a token
    // (credential), go as given unless the policy names their role (docs/policy.md: a stand-in
    // makes its tools fail upstream). Its name is the id its calls' steps name it by, and the
    // allowed tools are its tools' names: not read.
    addText(out, tool, 'url', path, 'tool_server');
    if (isObject(tool.headers))
      for (const name of Object.keys(tool.headers))
        addText(out, tool.headers, name, [...path, 'headers'], 'credential');
    return;
  }
  // Other server tools: a store's names, a filter...
  addLeaves(out, tool, path, 'tool_definition', STRUCTURE_KEYS);
}

/**
 * An agent's environment: its variables are set in the sandbox where the agent's tools run, a
 * value (a token, an address) handed to the provider for those tools, never shown to the model: a
 * stand-in would be what the tools get. Their values, and a server-managed credential's id, are
 * in the role `credential` (sent as given unless the policy names it, docs/policy.md); their
 * names are what the tools look up: not read. The hosts its network lets the sandbox reach and
 * where its sources are fetched from are addresses the provider uses (`tool_server`, sent as
 * given: a stand-in host is one the sandbox is not let reach, a stand-in repository one it cannot
 * fetch); the rest (a source's content and its place in the sandbox) is read as the user's.
 */
function addEnvironment(out: Segment[], environment: JsonObject, path: JsonPath): void {
  const env = environment.env;
  if (isObject(env))
    for (const name of Object.keys(env)) {
      const value = env[name];
      if (typeof value === 'string') addText(out, env, name, [...path, 'env'], 'credential');
      else if (isObject(value)) {
        addText(out, value, 'value', [...path, 'env', name], 'credential');
        addText(out, value, 'credential', [...path, 'env', name], 'credential');
      }
    }
  // `"disabled"`, or the allow-list.
  if (isObject(environment.network))
    arrayOf(environment.network.allowlist).forEach((entry, i) =>
      addAllowed(out, entry, [...path, 'network', 'allowlist', i]),
    );
  arrayOf(environment.sources).forEach((source, i) => {
    if (!isObject(source)) return;
    const at = [...path, 'sources', i];
    addText(out, source, 'source', at, 'tool_server');
    for (const key of Object.keys(source))
      if (key !== 'source' && !STRUCTURE_KEYS.has(key))
        addLeaves(out, source[key], [...at, key], 'user', STRUCTURE_KEYS);
  });
  for (const key of Object.keys(environment))
    if (!ENVIRONMENT_READ.has(key) && !STRUCTURE_KEYS.has(key))
      addLeaves(out, environment[key], [...path, key], 'user', STRUCTURE_KEYS);
}

/**
 * Members of an environment read by addEnvironment's own rules, or not text: `environment_id`
 * names the environment to update, an id, and a stand-in there is one the API cannot find.
 */
const ENVIRONMENT_READ: ReadonlySet<string> = new Set(['env', 'network', 'sources', 'environment_id']);

/**
 * One entry of the sandbox's network allow-list: the domain it may reach (`tool_server`), a
 * server-managed credential's id and the headers the egress proxy injects there (`credential`;
 * their names are the headers', not read): all as given, as an MCP server's are.
 */
function addAllowed(out: Segment[], entry: unknown, path: JsonPath): void {
  if (!isObject(entry)) return;
  addText(out, entry, 'domain', path, 'tool_server');
  addText(out, entry, 'credential', path, 'credential');
  const transform = entry.transform;
  const headers = (at: unknown, where: JsonPath) => {
    if (isObject(at)) for (const name of Object.keys(at)) addText(out, at, name, where, 'credential');
  };
  if (Array.isArray(transform)) transform.forEach((h, j) => headers(h, [...path, 'transform', j]));
  else headers(transform, [...path, 'transform']);
}

/**
 * Where the provider calls back when the interaction is done: its `uris` are addresses the
 * provider calls (`tool_server`, sent as given: a stand-in host gets the notifications nobody
 * receives), what it sends with them (`user_metadata`) is the caller's metadata.
 */
function addWebhook(out: Segment[], webhook: JsonObject, path: JsonPath): void {
  addTexts(out, webhook, 'uris', path, 'tool_server');
  for (const key of Object.keys(webhook))
    if (key !== 'uris') addLeaves(out, webhook[key], [...path, key], 'metadata', STRUCTURE_KEYS);
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addContents(out, body.system_instruction, ['system_instruction'], 'system');
  addContents(out, body.input, ['input'], 'user');
  arrayOf(body.tools).forEach((tool, i) => addTool(out, tool, ['tools', i]));
  if (isObject(body.environment)) addEnvironment(out, body.environment, ['environment']);
  // An agent's configuration of its own kind (`dynamic` takes any member).
  if (isObject(body.agent_config))
    addLeaves(out, body.agent_config, ['agent_config'], 'system', STRUCTURE_KEYS);
  // The caller's own labels.
  if (isObject(body.labels))
    for (const key of Object.keys(body.labels)) addText(out, body.labels, key, ['labels'], 'metadata');
  if (isObject(body.webhook_config)) addWebhook(out, body.webhook_config, ['webhook_config']);
  return out;
}

/** Fields of one content or step, each whole (a step in an Interaction, in `step.start`...). */
function itemFields(out: AnswerField[], item: unknown, channel: string): void {
  if (!isObject(item)) return;
  switch (item.type) {
    case 'text':
      fieldAt(out, item, 'text', channel, false, WHOLE);
      return;
    case 'user_input':
    case 'model_output':
      contentFields(out, item.content, channel);
      return;
    case 'thought':
      contentFields(out, item.summary, `${channel}:summary`);
      return;
    case 'function_call':
    case 'mcp_server_tool_call':
      leafFields(out, item.arguments, `${channel}:args`);
      return;
    case 'function_result':
    case 'mcp_server_tool_result':
    case 'code_execution_result':
      if (typeof item.result === 'string') fieldAt(out, item, 'result', `${channel}:result`, false, WHOLE);
      else contentFields(out, item.result, `${channel}:result`);
      return;
    default:
  }
}

function contentFields(out: AnswerField[], list: unknown, channel: string): void {
  arrayOf(list).forEach((item, j) => itemFields(out, item, `${channel}:${j}`));
}

/** An Interaction (whole answer, or the one a lifecycle event carries). */
function interactionFields(out: AnswerField[], interaction: unknown, prefix: string): void {
  if (!isObject(interaction)) return;
  arrayOf(interaction.steps).forEach((step, i) => itemFields(out, step, `${prefix}${i}`));
  // The earlier shape: the model's contents in `outputs`.
  arrayOf(interaction.outputs).forEach((item, i) => itemFields(out, item, `${prefix}out:${i}`));
}

/** A `step.delta` / `content.delta` event's delta, on the channels of its step (`index`). */
function deltaFields(out: AnswerField[], delta: unknown, index: string): void {
  if (!isObject(delta)) return;
  switch (delta.type) {
    case 'text':
      fieldAt(out, delta, 'text', `${index}:text`, false);
      return;
    case 'arguments_delta':
      // Not `:args`: a channel so named is read as whole (isWholeField's fallback).
      fieldAt(out, delta, 'arguments', `${index}:fn`, true, TOOL);
      return;
    case 'thought_summary':
      if (isObject(delta.content)) fieldAt(out, delta.content, 'text', `${index}:thought`, false);
      return;
    case 'function_call':
    case 'mcp_server_tool_call':
      // A call that arrives whole (the earlier shape; an MCP server's call).
      if (isObject(delta.arguments)) leafFields(out, delta.arguments, `${index}:call`);
      else if (typeof delta.arguments === 'string')
        fieldAt(out, delta, 'arguments', `${index}:call`, true, WHOLE_TOOL);
      return;
    case 'function_result':
    case 'mcp_server_tool_result':
    case 'code_execution_result':
      itemFields(out, delta, `${index}:delta`);
      return;
    default:
  }
}

function answerFields(answer: unknown, event?: string): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  const type = str(answer.event_type) ?? event;
  if (type === undefined) {
    interactionFields(out, answer, '');
    return out;
  }
  const index = String(answer.index);
  switch (type) {
    case 'step.delta':
    case 'content.delta':
      deltaFields(out, answer.delta, index);
      break;
    case 'step.start':
      itemFields(out, answer.step, `${index}:start`);
      break;
    case 'content.start':
      itemFields(out, answer.content, `${index}:start`);
      break;
    default:
      // interaction.created / completed (and the earlier interaction.start / complete) carry
      // the interaction, its steps when the event includes them.
      if (type.startsWith('interaction.')) interactionFields(out, answer.interaction, `${type}:`);
  }
  return out;
}

export const geminiInteractions: Dialect = {
  id: 'gemini-interactions',
  provider: 'gemini',
  segments,
  // A model, or an agent (Deep Research...).
  model: (body) => (isObject(body) ? (str(body.model) ?? str(body.agent)) : undefined),
  streaming: (body) => asksForStream(body),
  answerFields,
};
