/**
 * Anthropic's managed agents (beta `managed-agents-2026-04-01`; memory stores
 * `agent-memory-2026-07-22`): the POSTs that create or update an agent, a session, its events
 * and resources, an environment, a memory store and its memories, a vault and its credentials,
 * a deployment.
 * Each answers the object as the API does (shapes of @anthropic-ai/sdk 1.14's
 * resources/beta): what the request set, with ids and times; a credential without its secret
 * values, a repository resource without its token. An update answers the object as if it held
 * only what the update set. What is created is kept for the GETs that read it back (stored.ts).
 */
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, isRecord, stringField } from './endpoint.js';
import { providerError } from './errors.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

const MANAGED_AGENTS_BETA = 'managed-agents-2026-04-01';
const MEMORY_BETA = 'agent-memory-2026-07-22';

/** A managed agents object the simulator answers: what it is, and the id in the path if any. */
export type ManagedObject =
  | { kind: 'agent'; id?: string }
  | { kind: 'session'; id?: string }
  | { kind: 'session-events'; id: string }
  | { kind: 'session-resource'; session: string; id?: string }
  | { kind: 'environment'; id?: string }
  | { kind: 'work'; environment: string; id: string }
  | { kind: 'memory-store'; id?: string }
  | { kind: 'memory'; store: string; id?: string }
  | { kind: 'vault'; id?: string }
  | { kind: 'credential'; vault: string; id?: string }
  | { kind: 'deployment'; id?: string };

const SEGMENT = '([^/]+)';
const PATHS: readonly [RegExp, (m: string[]) => ManagedObject][] = [
  [/^\/v1\/agents$/, () => ({ kind: 'agent' })],
  [new RegExp(`^/v1/agents/${SEGMENT}$`), (m) => ({ kind: 'agent', id: m[1]! })],
  [/^\/v1\/sessions$/, () => ({ kind: 'session' })],
  [new RegExp(`^/v1/sessions/${SEGMENT}$`), (m) => ({ kind: 'session', id: m[1]! })],
  [new RegExp(`^/v1/sessions/${SEGMENT}/events$`), (m) => ({ kind: 'session-events', id: m[1]! })],
  [new RegExp(`^/v1/sessions/${SEGMENT}/resources$`), (m) => ({ kind: 'session-resource', session: m[1]! })],
  [
    new RegExp(`^/v1/sessions/${SEGMENT}/resources/${SEGMENT}$`),
    (m) => ({ kind: 'session-resource', session: m[1]!, id: m[2]! }),
  ],
  [/^\/v1\/environments$/, () => ({ kind: 'environment' })],
  [new RegExp(`^/v1/environments/${SEGMENT}$`), (m) => ({ kind: 'environment', id: m[1]! })],
  [
    new RegExp(`^/v1/environments/${SEGMENT}/work/${SEGMENT}(?:/stop)?$`),
    (m) => ({ kind: 'work', environment: m[1]!, id: m[2]! }),
  ],
  [/^\/v1\/memory_stores$/, () => ({ kind: 'memory-store' })],
  [new RegExp(`^/v1/memory_stores/${SEGMENT}$`), (m) => ({ kind: 'memory-store', id: m[1]! })],
  [new RegExp(`^/v1/memory_stores/${SEGMENT}/memories$`), (m) => ({ kind: 'memory', store: m[1]! })],
  [
    new RegExp(`^/v1/memory_stores/${SEGMENT}/memories/${SEGMENT}$`),
    (m) => ({ kind: 'memory', store: m[1]!, id: m[2]! }),
  ],
  [/^\/v1\/vaults$/, () => ({ kind: 'vault' })],
  [new RegExp(`^/v1/vaults/${SEGMENT}$`), (m) => ({ kind: 'vault', id: m[1]! })],
  [new RegExp(`^/v1/vaults/${SEGMENT}/credentials$`), (m) => ({ kind: 'credential', vault: m[1]! })],
  [
    new RegExp(`^/v1/vaults/${SEGMENT}/credentials/${SEGMENT}$`),
    (m) => ({ kind: 'credential', vault: m[1]!, id: m[2]! }),
  ],
  [/^\/v1\/deployments$/, () => ({ kind: 'deployment' })],
  [new RegExp(`^/v1/deployments/${SEGMENT}$`), (m) => ({ kind: 'deployment', id: m[1]! })],
];

/** The managed agents object a POST to `pathname` creates or updates, if any. */
export function managedObject(pathname: string): ManagedObject | undefined {
  for (const [re, make] of PATHS) {
    const m = re.exec(pathname);
    if (m) return make(m.map((s) => (s === undefined ? s : decodeURIComponent(s))));
  }
  return undefined;
}

function refuse(status: number, message: string): StaticAnswer {
  const { body, headers } = providerError('anthropic', { status, message });
  return { status, body, headers };
}

function headers(): Record<string, string> {
  return { 'request-id': randomId('req_011', 21) };
}

/** The members of `body` named in `keys` that it has, as the object answered holds them. */
function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

function times(): Record<string, string | null> {
  const now = new Date().toISOString();
  return { created_at: now, updated_at: now, archived_at: null };
}

function agentObject(body: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const model = body['model'];
  return {
    id: id ?? randomId('agent_011'),
    type: 'agent',
    name: stringField(body, 'name') ?? 'agent',
    description: body['description'] ?? null,
    system: body['system'] ?? null,
    model: isRecord(model)
      ? model
      : { id: typeof model === 'string' ? model : 'claude-sonnet-4-6', speed: 'standard' },
    tools: body['tools'] ?? [],
    mcp_servers: body['mcp_servers'] ?? [],
    skills: body['skills'] ?? [],
    metadata: body['metadata'] ?? {},
    multiagent: body['multiagent'] ?? null,
    execution_identity: body['execution_identity'] ?? { type: 'service_account' },
    version: typeof body['version'] === 'number' ? body['version'] + 1 : 1,
    ...times(),
  };
}

/** A session's resource as answered: a repository's token is never given back. */
function resourceObject(resource: unknown, id?: string): unknown {
  if (!isRecord(resource)) return resource;
  const { authorization_token: _token, ...rest } = resource;
  return { id: id ?? randomId('sesrsc_011'), ...rest, ...times() };
}

/** A credential's `auth` as answered: without its secret values. */
function authObject(auth: unknown): unknown {
  if (!isRecord(auth)) return auth;
  const { secret_value: _v, token: _t, access_token: _a, refresh, ...rest } = auth;
  if (!isRecord(refresh)) return rest;
  const { refresh_token: _r, token_endpoint_auth: endpointAuth, ...kept } = refresh;
  const method = isRecord(endpointAuth) ? { type: endpointAuth['type'] } : endpointAuth;
  return { ...rest, refresh: { ...kept, token_endpoint_auth: method } };
}

function answer(obj: ManagedObject, body: Record<string, unknown>): StaticAnswer {
  const ok = (value: unknown): StaticAnswer => ({ status: 200, body: value, headers: headers() });
  switch (obj.kind) {
    case 'agent':
      if (obj.id === undefined && (stringField(body, 'name') === undefined || body['model'] === undefined))
        return refuse(400, 'name and model: Field required');
      return ok(agentObject(body, obj.id));
    case 'session': {
      if (
        obj.id === undefined &&
        (body['agent'] === undefined || stringField(body, 'environment_id') === undefined)
      )
        return refuse(400, 'agent and environment_id: Field required');
      const agent = body['agent'];
      const agentId =
        typeof agent === 'string' ? agent : isRecord(agent) ? stringField(agent, 'id') : undefined;
      return ok({
        id: obj.id ?? randomId('sesn_011'),
        type: 'session',
        agent: agentObject(isRecord(agent) ? agent : {}, agentId),
        environment_id: body['environment_id'] ?? null,
        title: body['title'] ?? null,
        metadata: body['metadata'] ?? {},
        resources: Array.isArray(body['resources']) ? body['resources'].map((r) => resourceObject(r)) : [],
        vault_ids: body['vault_ids'] ?? [],
        status: 'idle',
        ...times(),
      });
    }
    case 'session-events': {
      const events = body['events'];
      if (!Array.isArray(events) || events.length === 0) return refuse(400, 'events: Field required');
      return ok({
        data: events.map((e: unknown) =>
          isRecord(e) ? { id: randomId('sevt_011'), ...e, processed_at: null } : e,
        ),
      });
    }
    case 'session-resource':
      return ok({ session_id: obj.session, ...(resourceObject(body, obj.id) as Record<string, unknown>) });
    case 'environment':
      if (obj.id === undefined && stringField(body, 'name') === undefined)
        return refuse(400, 'name: Field required');
      return ok({
        id: obj.id ?? randomId('env_011'),
        type: 'environment',
        description: null,
        metadata: {},
        config: { type: 'cloud' },
        ...pick(body, ['name', 'description', 'config', 'metadata', 'scope']),
        ...times(),
      });
    case 'work':
      return ok({
        id: obj.id,
        type: 'work',
        environment_id: obj.environment,
        metadata: body['metadata'] ?? {},
      });
    case 'memory-store':
      if (obj.id === undefined && stringField(body, 'name') === undefined)
        return refuse(400, 'name: Field required');
      return ok({
        id: obj.id ?? randomId('memstore_011'),
        type: 'memory_store',
        description: '',
        metadata: {},
        ...pick(body, ['name', 'description', 'metadata']),
        ...times(),
      });
    case 'memory': {
      if (obj.id === undefined && stringField(body, 'path') === undefined)
        return refuse(400, 'path: Field required');
      const content = stringField(body, 'content') ?? '';
      return ok({
        id: obj.id ?? randomId('mem_011'),
        type: 'memory',
        memory_store_id: obj.store,
        memory_version_id: randomId('memver_011'),
        path: body['path'] ?? '/',
        content,
        content_size_bytes: Buffer.byteLength(content),
        content_sha256: '0'.repeat(64),
        ...times(),
      });
    }
    case 'vault':
      if (obj.id === undefined && stringField(body, 'display_name') === undefined)
        return refuse(400, 'display_name: Field required');
      return ok({
        id: obj.id ?? randomId('vlt_011'),
        type: 'vault',
        metadata: {},
        ...pick(body, ['display_name', 'metadata']),
        ...times(),
      });
    case 'credential':
      if (obj.id === undefined && !isRecord(body['auth'])) return refuse(400, 'auth: Field required');
      return ok({
        id: obj.id ?? randomId('vcrd_011'),
        type: 'vault_credential',
        vault_id: obj.vault,
        display_name: body['display_name'] ?? null,
        metadata: body['metadata'] ?? {},
        auth: authObject(body['auth']),
        ...times(),
      });
    case 'deployment':
      if (
        obj.id === undefined &&
        (stringField(body, 'name') === undefined || !Array.isArray(body['initial_events']))
      )
        return refuse(400, 'name and initial_events: Field required');
      return ok({
        id: obj.id ?? randomId('depl_011'),
        type: 'deployment',
        description: null,
        metadata: {},
        schedule: null,
        ...pick(body, [
          'name',
          'description',
          'agent',
          'environment_id',
          'initial_events',
          'metadata',
          'schedule',
          'vault_ids',
        ]),
        resources: Array.isArray(body['resources']) ? body['resources'].map((r) => resourceObject(r)) : [],
        status: 'active',
        ...times(),
      });
  }
}

/** The refusal of a request to a managed agents object without the headers it needs, if any. */
export function missingBeta(obj: ManagedObject, req: RecordedRequest): StaticAnswer | undefined {
  if (req.headers['anthropic-version'] === undefined)
    return refuse(400, 'anthropic-version: header is required');
  const beta = obj.kind === 'memory-store' || obj.kind === 'memory' ? MEMORY_BETA : MANAGED_AGENTS_BETA;
  if (!String(req.headers['anthropic-beta'] ?? '').includes(beta))
    return refuse(400, `This endpoint requires the anthropic-beta header ${beta}`);
  return undefined;
}

/** Answers a POST to a managed agents object, checking the beta header it needs. */
export function anthropicManagedAgents(obj: ManagedObject): (req: RecordedRequest) => StaticAnswer {
  return (req) => {
    const missing = missingBeta(obj, req);
    if (missing) return missing;
    if (!isRecord(req.json)) return refuse(400, 'Request body must be a JSON object');
    return answer(obj, bodyObject(req));
  };
}

/** A managed agents object or list that is not kept: the API's 404. */
export function managedNotFound(what: string): StaticAnswer {
  return refuse(404, `${what} not found`);
}

/** How a preview of an agent's message is cut (`event_deltas`): small, so its words are split. */
const PREVIEW_CHUNK = 4;

/**
 * Session events as a session's event stream writes them (`event: <type>`, as the SDK needs);
 * with `previews`, each agent message is first streamed as an `event_start` and `event_delta`
 * fragments of its text, as `event_deltas: ['agent.message']` asks for.
 */
export function sessionStreamEvents(events: readonly Record<string, unknown>[], previews: boolean): string {
  const sse = (data: Record<string, unknown>) =>
    `event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`;
  let out = '';
  for (const event of events) {
    const content = event['content'];
    if (previews && event['type'] === 'agent.message' && Array.isArray(content)) {
      out += sse({ type: 'event_start', event: { id: event['id'], type: 'agent.message' } });
      content.forEach((block: unknown, index) => {
        const text = isRecord(block) && typeof block['text'] === 'string' ? block['text'] : '';
        for (let at = 0; at < text.length; at += PREVIEW_CHUNK)
          out += sse({
            type: 'event_delta',
            event_id: event['id'],
            delta: {
              type: 'content_delta',
              index,
              content: { type: 'text', text: text.slice(at, at + PREVIEW_CHUNK) },
            },
          });
      });
    }
    out += sse(event);
  }
  return out;
}
