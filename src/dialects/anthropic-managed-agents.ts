/**
 * Anthropic's managed agents (beta `managed-agents-2026-04-01`; memory stores
 * `agent-memory-2026-07-22`), as @anthropic-ai/sdk 1.14 types them (resources/beta/agents,
 * sessions, environments, memory-stores, vaults): the POSTs that create or update
 * - an agent (`/v1/agents`, `/v1/agents/{id}`): `system`, `tools` (custom tools' name,
 *   description and input_schema; toolsets' configs: tool names, allowed and blocked domains, a
 *   web search's user_location), `mcp_servers` (name; url in the role `tool_server`), `name`,
 *   `description`, `metadata`;
 * - a session (`/v1/sessions`, `/v1/sessions/{id}`): `agent` (an id, or an agent with overrides:
 *   system, tools, mcp_servers), `initial_events`, `resources` (a GitHub repository's url, in the
 *   role `tool_server`, its branch and token, a file's mount path, a memory store's
 *   instructions), `title`, `metadata`;
 * - a session's events (`/v1/sessions/{id}/events`): `user.message` (text, documents, image and
 *   document URLs), `user.tool_result` and `user.custom_tool_result` (tool output),
 *   `user.tool_confirmation`'s deny_message, `user.define_outcome` (description, rubric),
 *   `system.message`;
 * - a session's resources (`/v1/sessions/{id}/resources`, `.../resources/{id}`: a file's mount
 *   path, a repository's new token);
 * - an environment (`/v1/environments`, `/v1/environments/{id}`: config's allowed hosts, in the
 *   role `tool_server`, and packages, name, description, metadata) and a self-hosted environment's work item
 *   (`.../work/{id}`: metadata; `.../work/{id}/stop`: `force`);
 * - a memory store (`/v1/memory_stores`, `/v1/memory_stores/{id}`) and a memory in it
 *   (`.../memories`, `.../memories/{id}`): `content` and `path`;
 * - a deployment (`/v1/deployments`, `/v1/deployments/{id}`: a session started on a schedule):
 *   name, description, `initial_events`, `resources`, metadata, as a session's;
 * - a vault (`/v1/vaults`, `/v1/vaults/{id}`) and its credentials (`.../credentials`,
 *   `.../credentials/{id}`): `auth`, whose secret values are in the role `credential`, its MCP
 *   server's URL, token endpoint and allowed hosts in the role `tool_server` (see docs/policy.md:
 *   sent as given unless the policy names that role), an environment variable's name not read.
 * https://platform.claude.com/docs/en/api/beta/agents/create and its neighbours.
 *
 * The bodies share their member names and meanings (name, description, metadata, tools...), so
 * one reading serves them all, whatever the path; a member it does not know is read whole, as
 * the user's. Ids (of agents, environments, vaults, files, memory stores, skills), the model, the
 * execution role's ARN, versions and enums are not text: the API must find what they name.
 *
 * The answers are the objects created or updated (an agent, a session with its agent, the events
 * sent back with their ids, a memory, an environment, a vault, a credential without its secret):
 * every string in them is restored, whole, and an agent's tool call (in events listed back) as
 * tool-call input. What is read back by GET (the objects, a session's events listed, its event
 * stream, where the model's answer comes back) is read here too (read-back.ts): one event of the
 * stream as one of `data`, and a preview's fragments (`event_delta`) as deltas of one text.
 */
import { addContent } from './anthropic-messages.js';
import { getAt } from './json-path.js';
import type { AnswerField, Dialect, JsonPath, Role, Segment } from './types.js';
import {
  addLeaves,
  addText,
  arrayOf,
  fieldAt,
  isObject,
  leafFields,
  SCHEMA_STRUCTURE_KEYS,
  str,
  type JsonObject,
  WHOLE,
} from './walk.js';

/** Members that name a kind, an object by its id, or a setting: never free text. */
const STRUCTURE_KEYS: ReadonlySet<string> = new Set([
  ...SCHEMA_STRUCTURE_KEYS,
  'id',
  'file_id',
  'skill_id',
  'memory_store_id',
  'environment_id',
  'vault_id',
  'vault_ids',
  'custom_tool_use_id',
  'tool_use_id',
  'session_thread_id',
  'model',
  'version',
  'access',
  'scope',
  'result',
  'media_type',
  'expires_at',
  'content_sha256',
  // Base64 bytes of an image or a document: no text, and an edit would break them.
  'data',
]);

/** Top-level members read by their own rules below, or that hold no text. */
const READ: ReadonlySet<string> = new Set([
  'system',
  'tools',
  'mcp_servers',
  'name',
  'description',
  'title',
  'display_name',
  'metadata',
  'agent',
  'initial_events',
  'events',
  'resources',
  'config',
  'content',
  'path',
  'auth',
  'authorization_token',
  'mount_path',
  // No text: ids, the model, settings.
  'model',
  'skills',
  'execution_identity',
  'multiagent',
  'environment_id',
  'vault_ids',
  'budget',
  'version',
  'scope',
  'precondition',
  'force',
  'file_id',
  'type',
  // A deployment's cron schedule and its time zone: a stand-in zone would move its runs.
  'schedule',
]);

/** The members of a credential's `auth` that are the secret itself (role `credential`). */
const SECRETS: ReadonlySet<string> = new Set([
  'secret_value',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
]);

/** An agent's definition: in an agent's body, or a session's `agent` with overrides. */
function addAgent(out: Segment[], agent: JsonObject, path: JsonPath): void {
  addText(out, agent, 'system', path, 'system');
  arrayOf(agent.tools).forEach((tool, i) =>
    addLeaves(out, tool, [...path, 'tools', i], 'tool_definition', STRUCTURE_KEYS),
  );
  arrayOf(agent.mcp_servers).forEach((server, i) => {
    const segs: Segment[] = [];
    addLeaves(segs, server, [...path, 'mcp_servers', i], 'tool_definition', STRUCTURE_KEYS);
    // Its member names are the API's (url, name): renamed, the server would lose its address.
    for (const seg of segs) if (!seg.key) out.push(asAddress(seg));
  });
}

/**
 * The addresses the provider calls for the agent's tools: an MCP server's `url` (a vault
 * credential's `mcp_server_url` names the same server) and the OAuth token endpoint it refreshes
 * a token at.
 */
const ADDRESSES: ReadonlySet<string> = new Set(['url', 'mcp_server_url', 'token_endpoint']);

/**
 * `seg` in the role `tool_server` when it is one of ADDRESSES or an entry of `allowed_hosts` (an
 * environment's or a credential's networking: the hosts the sandbox may reach, or a secret is
 * substituted on): sent as given unless the policy names that role (docs/policy.md), since a
 * stand-in host is no server the provider can reach, and a credential's `mcp_server_url` must
 * stay the agent's server's `url` to be used for it.
 */
function asAddress(seg: Segment): Segment {
  const last = seg.path[seg.path.length - 1];
  if (seg.key) return seg;
  if (typeof last === 'string' && ADDRESSES.has(last)) seg.role = 'tool_server';
  else if (typeof last === 'number' && seg.path[seg.path.length - 2] === 'allowed_hosts')
    seg.role = 'tool_server';
  return seg;
}

/** One event a client sends to a session (`initial_events`, `events`). */
function addEvent(out: Segment[], event: unknown, path: JsonPath): void {
  if (!isObject(event)) return;
  switch (event.type) {
    case 'user.message':
      addContent(out, event.content, [...path, 'content'], 'user');
      return;
    case 'system.message':
      addContent(out, event.content, [...path, 'content'], 'system');
      return;
    case 'user.tool_result':
    case 'user.custom_tool_result':
      addContent(out, event.content, [...path, 'content'], 'tool_result');
      return;
    case 'user.tool_confirmation':
      addText(out, event, 'deny_message', path, 'user');
      return;
    case 'user.define_outcome':
      addText(out, event, 'description', path, 'user');
      if (isObject(event.rubric)) addText(out, event.rubric, 'content', [...path, 'rubric'], 'user');
      return;
    case 'user.interrupt':
      return;
    default:
      // An event this reading does not know: every text in it, as the user's.
      addLeaves(out, event, path, 'user', STRUCTURE_KEYS);
  }
}

/**
 * A session's resource: a repository (its URL, which the provider clones, a tool server's address
 * sent as given: a stand-in is no repository it can clone; its token a credential), a file, a
 * memory store.
 */
function addResource(out: Segment[], resource: unknown, path: JsonPath): void {
  if (!isObject(resource)) return;
  addText(out, resource, 'url', path, 'tool_server');
  addText(out, resource, 'mount_path', path, 'user');
  if (isObject(resource.checkout)) addText(out, resource.checkout, 'name', [...path, 'checkout'], 'user');
  addText(out, resource, 'authorization_token', path, 'credential');
  // What the agent is told of a memory store it is given.
  addText(out, resource, 'instructions', path, 'system');
}

/**
 * A vault credential's `auth`: the secret values in the role `credential`, the MCP server's URL,
 * the OAuth token endpoint and the hosts a secret is substituted on in the role `tool_server`,
 * what else describes them (the OAuth client) as metadata. An environment variable's name
 * (`secret_name`) is what the agent's tools look up: renamed, the variable is missing; not read.
 */
function addAuth(out: Segment[], auth: JsonObject, path: JsonPath): void {
  const segs: Segment[] = [];
  addLeaves(segs, auth, path, 'metadata', STRUCTURE_KEYS);
  for (const seg of segs) {
    const last = seg.path[seg.path.length - 1];
    // The API's own member names: renamed, the credential would lose its meaning.
    if (seg.key || last === 'secret_name') continue;
    if (typeof last === 'string' && SECRETS.has(last)) seg.role = 'credential';
    out.push(asAddress(seg));
  }
}

/** The string leaves under `value`, not its member names. */
function addValues(out: Segment[], value: unknown, path: JsonPath, role: Role): void {
  const segs: Segment[] = [];
  addLeaves(segs, value, path, role, STRUCTURE_KEYS);
  for (const seg of segs) if (!seg.key) out.push(seg);
}

function addMetadata(out: Segment[], body: JsonObject): void {
  const metadata = body.metadata;
  if (!isObject(metadata)) return;
  for (const key of Object.keys(metadata)) addText(out, metadata, key, ['metadata'], 'metadata');
}

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  addAgent(out, body, []);
  for (const key of ['name', 'description', 'title', 'display_name']) addText(out, body, key, [], 'metadata');
  addMetadata(out, body);
  if (isObject(body.agent)) addAgent(out, body.agent, ['agent']);
  for (const key of ['initial_events', 'events'])
    arrayOf(body[key]).forEach((event, i) => addEvent(out, event, [key, i]));
  arrayOf(body.resources).forEach((resource, i) => addResource(out, resource, ['resources', i]));
  // A session's resource added or updated on its own: a file's mount path, a repository's token.
  addText(out, body, 'mount_path', [], 'user');
  addText(out, body, 'authorization_token', [], 'credential');
  // An environment's network and packages (private hosts, internal package names); its member
  // names are the API's. The hosts its sandbox may reach are tool servers' (asAddress).
  if (isObject(body.config)) {
    const segs: Segment[] = [];
    addValues(segs, body.config, ['config'], 'metadata');
    for (const seg of segs) out.push(asAddress(seg));
  }
  // A memory: what the agent will read, and where.
  addText(out, body, 'content', [], 'user');
  addText(out, body, 'path', [], 'user');
  if (isObject(body.auth)) addAuth(out, body.auth, ['auth']);
  for (const key of Object.keys(body))
    if (!READ.has(key)) addLeaves(out, body[key], [key], 'user', STRUCTURE_KEYS);
  return out;
}

/**
 * Every string in `root` (an object of the answer, at `at`), each whole, but those under its
 * member `skip`; member names stay as they are.
 */
function wholeFields(out: AnswerField[], root: JsonObject, at: JsonPath, skip?: string): void {
  const segs: Segment[] = [];
  addLeaves(segs, root, [], 'metadata', STRUCTURE_KEYS);
  for (const seg of segs) {
    if (seg.key || seg.path[0] === skip) continue;
    const parent = getAt(root, seg.path.slice(0, -1)) as JsonObject;
    fieldAt(out, parent, String(seg.path[seg.path.length - 1]), [...at, ...seg.path].join('.'), false, WHOLE);
  }
}

/** One session event: a tool call the agent made has its input read as tool-call input. */
function eventFields(out: AnswerField[], event: JsonObject, at: JsonPath): void {
  if (event.type === 'event_delta') return previewFields(out, event);
  if (typeof event.type !== 'string' || !event.type.endsWith('tool_use')) return wholeFields(out, event, at);
  wholeFields(out, event, at, 'input');
  leafFields(out, event.input, [...at, 'input'].join('.'));
}

/**
 * A fragment of an agent's message streamed before the message itself (`event_delta`, asked for
 * with `event_deltas`): a delta continuing the text of its content entry, which a surrogate may
 * be split across.
 */
function previewFields(out: AnswerField[], event: JsonObject): void {
  const delta = event.delta;
  const content = isObject(delta) ? delta.content : undefined;
  if (!isObject(delta) || !isObject(content)) return;
  const index = typeof delta.index === 'number' ? delta.index : 0;
  fieldAt(out, content, 'text', `${String(event.event_id)}:content:${index}`, false);
}

/**
 * The object created or updated, every string whole. Session events, sent back (`data`) or one
 * by one as a session's event stream has them, are read by eventFields.
 */
function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  if (!Array.isArray(answer.data)) {
    eventFields(out, answer, []);
    return out;
  }
  wholeFields(out, answer, [], 'data');
  answer.data.forEach((event: unknown, i) => {
    if (isObject(event)) eventFields(out, event, ['data', i]);
  });
  return out;
}

export const anthropicManagedAgents: Dialect = {
  id: 'anthropic-managed-agents',
  provider: 'anthropic',
  segments,
  // An agent's model: a string, or a model config with its id.
  model: (body) =>
    isObject(body) ? (str(body.model) ?? (isObject(body.model) ? str(body.model.id) : undefined)) : undefined,
  streaming: () => false,
  answerFields,
};
