import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicManagedAgents } from '../../src/dialects/anthropic-managed-agents.js';
import { inspectedAlias, resolveDialect } from '../../src/dialects/index.js';
import { checkAnswerRoundTrip, checkOddShapes, checkRoundTrip } from './helpers.js';

const dialect = anthropicManagedAgents;

/** [path, role] of each segment that is a value (member names aside). */
function places(source: string): [string, string][] {
  return checkRoundTrip(dialect, source)
    .filter((s) => !s.key)
    .map((s) => [s.path.join('.'), s.role]);
}

const AGENT = JSON.stringify({
  name: 'deployer for alice',
  description: 'Deploys /home/alice/app',
  model: { id: 'claude-sonnet-4-6', effort: 'high' },
  system: 'You deploy from /home/alice/app.',
  tools: [
    {
      type: 'custom',
      name: 'alice_deploy',
      description: 'Deploy to alice.corp',
      input_schema: {
        type: 'object',
        properties: { host: { type: 'string', description: 'e.g. alice.corp' } },
      },
    },
    {
      type: 'agent_toolset_20260401',
      configs: [
        { name: 'web_fetch', allowed_domains: ['git.alice.corp'], permission_policy: { type: 'always_ask' } },
      ],
    },
    { type: 'mcp_toolset', mcp_server_name: 'alice-mcp' },
  ],
  mcp_servers: [{ type: 'url', name: 'alice-mcp', url: 'https://mcp.alice.corp/sse' }],
  skills: [{ type: 'custom', skill_id: 'skill_01', version: '3' }],
  execution_identity: { type: 'aws_role', role_arn: 'arn:aws:iam::123456789012:role/deployer' },
  metadata: { owner: 'alice@example.org' },
  version: 2,
});

describe('anthropic managed agents', () => {
  it('routes the POSTs that carry text, not archives, heartbeats or other betas', () => {
    for (const path of [
      '/v1/agents',
      '/v1/agents/agent_011',
      '/v1/sessions',
      '/v1/sessions/sesn_1',
      '/v1/sessions/sesn_1/events',
      '/v1/sessions/sesn_1/resources',
      '/v1/sessions/sesn_1/resources/sesrsc_1',
      '/v1/environments',
      '/v1/environments/env_1',
      '/v1/environments/env_1/work/work_1',
      '/v1/environments/env_1/work/work_1/stop',
      '/v1/memory_stores',
      '/v1/memory_stores/memstore_1',
      '/v1/memory_stores/memstore_1/memories',
      '/v1/memory_stores/memstore_1/memories/mem_1',
      '/v1/vaults',
      '/v1/vaults/vlt_1',
      '/v1/vaults/vlt_1/credentials',
      '/v1/vaults/vlt_1/credentials/vcrd_1',
      '/v1/deployments',
      '/v1/deployments/depl_1',
    ])
      assert.equal(resolveDialect('anthropic', 'POST', `${path}?beta=true`).id, dialect.id, path);
    for (const path of [
      '/v1/agents/agent_011/archive',
      '/v1/sessions/sesn_1/archive',
      '/v1/sessions/sesn_1/events/stream',
      '/v1/environments/env_1/work/work_1/heartbeat',
      '/v1/vaults/vlt_1/credentials/vcrd_1/mcp_oauth_validate',
      '/v1/memory_stores/memstore_1/memory_versions/v_1/redact',
      '/v1/dreams',
    ])
      assert.equal(resolveDialect('anthropic', 'POST', path).id, 'passthrough', path);
    // A GET reads an object back, restored through the vault (src/dialects/read-back.ts).
    assert.equal(resolveDialect('anthropic', 'GET', '/v1/agents').id, 'anthropic-managed-agents-read');
    assert.equal(resolveDialect('openai', 'POST', '/v1/agents').id, 'passthrough');
    // Another spelling is refused with the exact one, ids as they are.
    assert.equal(
      inspectedAlias('anthropic', 'POST', '/v1/Sessions/sesn_AB/Events')?.path,
      '/v1/sessions/sesn_AB/events',
    );
    assert.equal(
      inspectedAlias('anthropic', 'POST', '/v1//vaults/vlt_1/credentials')?.path,
      '/v1/vaults/vlt_1/credentials',
    );
  });

  it("reads an agent: system prompt, tools and MCP servers as tool definitions (a server's URL as a tool server), its name and metadata; not ids, model or role ARN", () => {
    assert.deepEqual(places(AGENT), [
      ['system', 'system'],
      ['tools.0.name', 'tool_definition'],
      ['tools.0.description', 'tool_definition'],
      ['tools.0.input_schema.properties.host.description', 'tool_definition'],
      ['tools.1.configs.0.name', 'tool_definition'],
      ['tools.1.configs.0.allowed_domains.0', 'tool_definition'],
      ['tools.2.mcp_server_name', 'tool_definition'],
      ['mcp_servers.0.name', 'tool_definition'],
      ['mcp_servers.0.url', 'tool_server'],
      ['name', 'metadata'],
      ['description', 'metadata'],
      ['metadata.owner', 'metadata'],
    ]);
    assert.equal(dialect.model(JSON.parse(AGENT), '/v1/agents'), 'claude-sonnet-4-6');
    checkOddShapes(dialect, AGENT);
  });

  it("reads a session: the agent's overrides, initial events, resources (a repository's URL as a tool server, its token as a credential), title", () => {
    const session = JSON.stringify({
      agent: { type: 'agent_with_overrides', id: 'agent_1', system: 'Work as alice', tools: [] },
      environment_id: 'env_01',
      vault_ids: ['vlt_01'],
      title: "alice's deploy",
      initial_events: [
        { type: 'user.message', content: [{ type: 'text', text: 'Deploy /home/alice/app' }] },
        {
          type: 'user.define_outcome',
          description: 'alice gets a URL',
          rubric: { type: 'text', content: 'alice ok' },
        },
      ],
      resources: [
        {
          type: 'github_repository',
          url: 'https://github.com/alice/app',
          authorization_token: 'ghp_alice0000000000000000000000000000000',
          checkout: { type: 'branch', name: 'alice/fix' },
          mount_path: '/home/alice/app',
        },
        { type: 'file', file_id: 'file_01', mount_path: '/home/alice/notes.md' },
        {
          type: 'memory_store',
          memory_store_id: 'memstore_01',
          access: 'read_only',
          instructions: 'Notes of alice',
        },
      ],
      metadata: { user: 'alice' },
    });
    assert.deepEqual(places(session), [
      ['title', 'metadata'],
      ['metadata.user', 'metadata'],
      ['agent.system', 'system'],
      ['initial_events.0.content.0.text', 'user'],
      ['initial_events.1.description', 'user'],
      ['initial_events.1.rubric.content', 'user'],
      ['resources.0.url', 'tool_server'],
      ['resources.0.mount_path', 'user'],
      ['resources.0.checkout.name', 'user'],
      ['resources.0.authorization_token', 'credential'],
      ['resources.1.mount_path', 'user'],
      ['resources.2.instructions', 'system'],
    ]);
    checkOddShapes(dialect, session);
    // A repository's token updated on its own.
    assert.deepEqual(places(JSON.stringify({ authorization_token: 'ghp_alice' })), [
      ['authorization_token', 'credential'],
    ]);
  });

  it("reads a session's events: user messages, tool results, a denial, a system message, and an event it does not know", () => {
    const events = JSON.stringify({
      events: [
        {
          type: 'user.message',
          content: [
            { type: 'text', text: 'Hi, I am alice' },
            { type: 'image', source: { type: 'url', url: 'https://intranet.alice.corp/a.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'aGk=' } },
            {
              type: 'document',
              title: 'alice.txt',
              source: { type: 'text', media_type: 'text/plain', data: 'alice notes' },
            },
          ],
        },
        {
          type: 'user.custom_tool_result',
          custom_tool_use_id: 'sevt_1',
          content: [{ type: 'text', text: 'ran as alice' }],
        },
        {
          type: 'user.tool_confirmation',
          tool_use_id: 'sevt_2',
          result: 'deny',
          deny_message: 'not on alice.corp',
        },
        { type: 'system.message', content: [{ type: 'text', text: 'alice is away' }] },
        { type: 'user.interrupt' },
        { type: 'user.something_new', note: 'from alice' },
      ],
    });
    assert.deepEqual(places(events), [
      ['events.0.content.0.text', 'user'],
      ['events.0.content.1.source.url', 'user'],
      ['events.0.content.3.title', 'user'],
      ['events.0.content.3.source.data', 'user'],
      ['events.1.content.0.text', 'tool_result'],
      ['events.2.deny_message', 'user'],
      ['events.3.content.0.text', 'system'],
      ['events.5.note', 'user'],
    ]);
    checkOddShapes(dialect, events);
  });

  it('reads environments, memories and memory stores, vaults', () => {
    assert.deepEqual(
      places(
        JSON.stringify({
          name: 'alice-env',
          config: {
            type: 'cloud',
            networking: { type: 'limited', allowed_hosts: ['git.alice.corp'] },
            packages: { npm: ['@alice/tools'] },
          },
          scope: 'account',
        }),
      ),
      [
        ['name', 'metadata'],
        ['config.networking.allowed_hosts.0', 'tool_server'],
        ['config.packages.npm.0', 'metadata'],
      ],
    );
    assert.deepEqual(
      places(
        JSON.stringify({
          path: '/alice/notes.md',
          content: 'alice lives in Lyon',
          precondition: { type: 'content_sha256', content_sha256: 'ab' },
        }),
      ),
      [
        ['content', 'user'],
        ['path', 'user'],
      ],
    );
    assert.deepEqual(places(JSON.stringify({ display_name: "alice's vault", metadata: { team: 'alice' } })), [
      ['display_name', 'metadata'],
      ['metadata.team', 'metadata'],
    ]);
  });

  it("reads a deployment as a session, but not its schedule's cron and time zone", () => {
    const deployment = JSON.stringify({
      name: 'nightly for alice',
      agent: 'agent_1',
      environment_id: 'env_1',
      initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Check /home/alice/app' }] }],
      schedule: { type: 'cron', expression: '0 3 * * *', timezone: 'Europe/Paris' },
    });
    assert.deepEqual(places(deployment), [
      ['name', 'metadata'],
      ['initial_events.0.content.0.text', 'user'],
    ]);
  });

  it("reads a credential: its secret values as credentials, its server's addresses as tool servers, what describes them as metadata", () => {
    const oauth = JSON.stringify({
      display_name: 'alice github',
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://mcp.alice.corp',
        access_token: 'gho_alice',
        expires_at: '2026-12-01T00:00:00Z',
        refresh: {
          client_id: 'alice-client',
          refresh_token: 'ghr_alice',
          token_endpoint: 'https://auth.alice.corp/token',
          token_endpoint_auth: { type: 'client_secret_post', client_secret: 'alice-secret' },
          scope: 'repo',
        },
      },
    });
    assert.deepEqual(places(oauth), [
      ['display_name', 'metadata'],
      ['auth.mcp_server_url', 'tool_server'],
      ['auth.access_token', 'credential'],
      ['auth.refresh.client_id', 'metadata'],
      ['auth.refresh.refresh_token', 'credential'],
      ['auth.refresh.token_endpoint', 'tool_server'],
      ['auth.refresh.token_endpoint_auth.client_secret', 'credential'],
    ]);
    const env = JSON.stringify({
      auth: {
        type: 'environment_variable',
        secret_name: 'ALICE_TOKEN',
        secret_value: 'alice-value',
        networking: { type: 'limited', allowed_hosts: ['api.alice.corp'] },
      },
    });
    // The variable's name is what the agent's tools look up: not read.
    assert.deepEqual(places(env), [
      ['auth.secret_value', 'credential'],
      ['auth.networking.allowed_hosts.0', 'tool_server'],
    ]);
    assert.deepEqual(
      places(
        JSON.stringify({
          auth: { type: 'static_bearer', token: 'alice-bearer', mcp_server_url: 'https://x' },
        }),
      ),
      [
        ['auth.token', 'credential'],
        ['auth.mcp_server_url', 'tool_server'],
      ],
    );
    checkOddShapes(dialect, oauth);
  });

  it('lists every string of an answer whole, and an agent tool call in events listed back as tool input', () => {
    const agent = {
      id: 'agent_1',
      type: 'agent',
      name: 'deployer for /home/user',
      system: 'You deploy from /home/user/project-1.',
      tools: [
        {
          type: 'custom',
          name: 'd',
          description: 'on host-1.example.internal',
          input_schema: { type: 'object' },
        },
      ],
      metadata: { owner: 'user-1@example.com' },
      model: { id: 'claude-sonnet-4-6' },
      version: 1,
    };
    const fields = dialect.answerFields(structuredClone(agent));
    assert.deepEqual(
      fields.map((f) => [f.channel, f.text]),
      [
        ['name', 'deployer for /home/user'],
        ['system', 'You deploy from /home/user/project-1.'],
        ['tools.0.name', 'd'],
        ['tools.0.description', 'on host-1.example.internal'],
        ['metadata.owner', 'user-1@example.com'],
      ],
    );
    assert.ok(fields.every((f) => f.whole === true && f.json === false && f.tool !== true));
    checkAnswerRoundTrip(dialect, agent);

    const events = {
      data: [
        {
          id: 'sevt_1',
          type: 'user.message',
          content: [{ type: 'text', text: 'Deploy /home/user/project-1' }],
        },
        { id: 'sevt_2', type: 'agent.custom_tool_use', name: 'd', input: { path: '/home/user/project-1' } },
      ],
    };
    const eventFields = dialect.answerFields(structuredClone(events));
    assert.deepEqual(
      eventFields.map((f) => [f.channel, f.text, f.tool === true]),
      [
        ['data.0.content.0.text', 'Deploy /home/user/project-1', false],
        ['data.1.name', 'd', false],
        ['data.1.input:path', '/home/user/project-1', true],
        ['data.1.input#name0', 'path', true],
      ],
    );
    checkAnswerRoundTrip(dialect, events);

    // One event, as a session's event stream has them.
    const call = { id: 'sevt_3', type: 'agent.tool_use', name: 'bash', input: { command: 'ls /home/user' } };
    assert.deepEqual(
      dialect.answerFields(structuredClone(call)).map((f) => [f.channel, f.text, f.tool === true]),
      [
        ['name', 'bash', false],
        ['input:command', 'ls /home/user', true],
        ['input#name0', 'command', true],
      ],
    );
    checkAnswerRoundTrip(dialect, call);
  });
});
