/**
 * MCP servers the provider calls for the model (Anthropic's MCP connector, OpenAI Responses' mcp
 * tool, Gemini's mcpServers and an interaction's mcp_server tool, a managed agent's mcp_servers and
 * a vault credential for one), an agent's environment variables and the other addresses the
 * provider or an agent's sandbox reaches as written (a repository, allowed hosts, a webhook: role
 * `tool_server` too), through a whole
 * Airlock to the simulator with the official SDK: the server's URL (role `tool_server`) and its
 * token (role `credential`) are recorded and reach the provider as given, even where the prompt
 * names the same internal host and that host leaves pseudonymized there; a policy that names
 * either role refuses the request in the provider's shape, before anything is sent.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import type { AuditEvent } from '../../src/audit/types.js';
import { GIVEN_AS_CREDENTIAL, GIVEN_TO_TOOL_SERVER } from '../../src/policy/compile.js';
import { stackForDescribe, type AirlockStack } from '../helpers/airlock-stack.js';
import { PLANTED_KEY } from '../helpers/planted.js';

const INTERNAL_HOST = 'mcp.acme.corp';
const INTERNAL_URL = `https://${INTERNAL_HOST}/sse`;
const PUBLIC_URL = 'https://mcp.example.com/sse';
const PROMPT = `List the open tickets of the tracker on ${INTERNAL_HOST}.`;
const CORPORATE = 'corporate_domains: [acme.corp]\n';

/** A gateway under this policy for the tests of one describe. */
const gatewayWith = (policy: string) =>
  stackForDescribe(policy, { pacingMs: 0, script: { reply: [{ text: 'ok' }] } });

const anthropic = (s: AirlockStack) =>
  new Anthropic({ apiKey: 'sk-ant-test', baseURL: s.via.anthropic, maxRetries: 0 });

/** The body of the one request the simulator received. */
function upstreamBody(s: AirlockStack): Record<string, unknown> {
  const received = s.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  return JSON.parse(received[0]!.body.toString()) as Record<string, unknown>;
}

async function lastEvent(s: AirlockStack): Promise<AuditEvent> {
  await s.airlock.recorder.flush();
  const { events } = await s.airlock.store.query({ kind: 'request', limit: 1 });
  assert.ok(events[0], 'no audit event');
  return events[0];
}

/** The finding at `path`, with its role and action. */
function findingAt(event: AuditEvent, path: string) {
  const found = event.findings.find((f) => f.path === path);
  assert.ok(found, `no finding at ${path}: ${event.findings.map((f) => f.path).join(', ')}`);
  return found;
}

/** A request refused by the policy: the SDK's error names the entry, nothing went upstream. */
async function refused(s: AirlockStack, call: Promise<unknown>, entry: RegExp): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof Error && 'status' in err, String(err));
    // The SDKs built by Stainless keep the error's body in `error`, @google/genai in the message.
    assert.match(`${err.message} ${JSON.stringify((err as { error?: unknown }).error ?? null)}`, entry);
    return true;
  });
  assert.deepEqual(s.sim.received, []);
}

const openai = (s: AirlockStack) => new OpenAI({ apiKey: 'sk-test', baseURL: s.via.openai, maxRetries: 0 });

const responseWithServer = (
  s: AirlockStack,
  server: Omit<OpenAI.Responses.Tool.Mcp, 'type' | 'server_label'>,
) =>
  openai(s).responses.create({
    model: 'gpt-5.4',
    input: PROMPT,
    tools: [{ type: 'mcp', server_label: 'tracker', require_approval: 'never', ...server }],
  });

const genai = (s: AirlockStack) =>
  new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: s.via.gemini } });

const interactionWith = (
  s: AirlockStack,
  server: { url: string; headers?: Record<string, string> },
  env?: Record<string, string>,
) =>
  genai(s).interactions.create({
    model: 'gemini-3-flash-preview',
    input: PROMPT,
    tools: [{ type: 'mcp_server', name: 'tracker', ...server }],
    ...(env ? { environment: { type: 'remote' as const, env } } : {}),
  });

const generateWith = (s: AirlockStack, transport: { url: string; headers?: Record<string, string> }) =>
  genai(s).models.generateContent({
    model: 'gemini-3-flash-preview',
    contents: PROMPT,
    config: { tools: [{ mcpServers: [{ name: 'tracker', streamableHttpTransport: transport }] }] },
  });

const messagesWithServer = (s: AirlockStack, server: Anthropic.Beta.BetaRequestMCPServerURLDefinition) =>
  anthropic(s).beta.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 64,
    messages: [{ role: 'user', content: PROMPT }],
    mcp_servers: [server],
    betas: ['mcp-client-2025-04-04'],
  });

const INTERNAL_REPO = `https://git.${INTERNAL_HOST.slice('mcp.'.length)}/team/tracker`;
const INTERNAL_HOOK = `https://hooks.${INTERNAL_HOST.slice('mcp.'.length)}/interactions`;

/** An interaction whose agent's sandbox fetches `source`, may reach `domain`, and calls `webhook` back. */
const interactionWithSandbox = (
  s: AirlockStack,
  at: { source: string; domain: string; webhook: string; header?: string },
) =>
  genai(s).interactions.create({
    model: 'gemini-3-flash-preview',
    input: PROMPT,
    environment: {
      type: 'remote',
      sources: [{ type: 'repository', source: at.source, target: '/app' }],
      network: {
        allowlist: [{ domain: at.domain, ...(at.header ? { transform: { Authorization: at.header } } : {}) }],
      },
    },
    webhook_config: { uris: [at.webhook] },
  });

const sessionWithRepository = (s: AirlockStack, url: string) =>
  anthropic(s).beta.sessions.create({
    agent: 'agent_011abc',
    environment_id: 'env_011abc',
    title: `Triage on ${INTERNAL_HOST}`,
    resources: [{ type: 'github_repository', url }],
  });

const environmentAllowing = (s: AirlockStack, host: string) =>
  anthropic(s).beta.environments.create({
    name: 'triage',
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [host] } },
  });

const variableCredential = (s: AirlockStack, host: string, secret = PLANTED_KEY) =>
  anthropic(s).beta.vaults.credentials.create('vlt_011abc', {
    auth: {
      type: 'environment_variable',
      secret_name: 'TRACKER_TOKEN',
      secret_value: secret,
      networking: { type: 'limited', allowed_hosts: [host] },
    },
  });

describe('MCP servers the provider calls, built-in policy', () => {
  const stack = gatewayWith(CORPORATE);

  test("Anthropic's mcp_servers: the URL and the token go as given and are recorded", async () => {
    const s = stack();
    const answer = await messagesWithServer(s, {
      type: 'url',
      name: 'tracker',
      url: INTERNAL_URL,
      authorization_token: PLANTED_KEY,
    });
    assert.equal(answer.content[0]?.type, 'text');
    const body = upstreamBody(s) as {
      mcp_servers: { url: string; authorization_token: string; name: string }[];
      messages: { content: string }[];
    };
    assert.deepEqual(body.mcp_servers[0], {
      type: 'url',
      name: 'tracker',
      url: INTERNAL_URL,
      authorization_token: PLANTED_KEY,
    });
    // The same host in the prompt takes its stand-in there.
    assert.ok(!body.messages[0]!.content.includes(INTERNAL_HOST), body.messages[0]!.content);
    const event = await lastEvent(s);
    assert.equal(event.dialect, 'anthropic-messages');
    const url = findingAt(event, '$.mcp_servers[0].url');
    assert.deepEqual([url.role, url.action, url.category], ['tool_server', 'audit', 'environment']);
    const token = findingAt(event, '$.mcp_servers[0].authorization_token');
    assert.deepEqual([token.role, token.action, token.category], ['credential', 'audit', 'secret']);
    assert.ok(!token.preview.includes(PLANTED_KEY));
    assert.equal(findingAt(event, '$.messages[0].content').action, 'pseudonymize');
    assert.ok(
      GIVEN_TO_TOOL_SERVER.includes('roles.tool_server') && GIVEN_AS_CREDENTIAL.includes('roles.credential'),
    );
  });

  test("OpenAI Responses' mcp tool: the URL, the authorization and the headers go as given and are recorded", async () => {
    const s = stack();
    const answer = await responseWithServer(s, {
      server_url: INTERNAL_URL,
      server_description: `The tickets of ${INTERNAL_HOST}`,
      authorization: PLANTED_KEY,
      headers: { 'X-Upstream-Auth': `Bearer ${PLANTED_KEY}` },
    });
    assert.equal(answer.output_text, 'ok');
    const body = upstreamBody(s) as { tools: Record<string, unknown>[]; input: string };
    const tool = body.tools[0]!;
    assert.equal(tool.server_url, INTERNAL_URL);
    assert.equal(tool.authorization, PLANTED_KEY);
    assert.deepEqual(tool.headers, { 'X-Upstream-Auth': `Bearer ${PLANTED_KEY}` });
    assert.equal(tool.server_label, 'tracker');
    // What the model reads of the server, and the prompt, take their stand-ins.
    assert.ok(!String(tool.server_description).includes(INTERNAL_HOST), String(tool.server_description));
    assert.ok(!body.input.includes(INTERNAL_HOST), body.input);
    const event = await lastEvent(s);
    assert.equal(event.dialect, 'openai-responses');
    const url = findingAt(event, '$.tools[0].server_url');
    assert.deepEqual([url.role, url.action, url.category], ['tool_server', 'audit', 'environment']);
    const token = findingAt(event, '$.tools[0].authorization');
    assert.deepEqual([token.role, token.action, token.category], ['credential', 'audit', 'secret']);
    const header = event.findings.find((f) => f.path.startsWith('$.tools[0].headers'));
    assert.deepEqual([header?.role, header?.action], ['credential', 'audit']);
    assert.equal(findingAt(event, '$.tools[0].server_description').action, 'pseudonymize');
  });

  test("OpenAI Responses: an MCP server a client's tool search found, sent back in the input, keeps its URL and token", async () => {
    const s = stack();
    await openai(s).responses.create({
      model: 'gpt-5.4',
      input: [
        { type: 'message', role: 'user', content: PROMPT },
        {
          type: 'tool_search_output',
          call_id: 'call_1',
          execution: 'client',
          tools: [
            {
              type: 'mcp',
              server_label: 'tracker',
              server_url: INTERNAL_URL,
              authorization: PLANTED_KEY,
              require_approval: 'never',
            },
          ],
        },
      ],
    });
    const body = upstreamBody(s) as { input: { tools?: Record<string, unknown>[]; content?: string }[] };
    const tool = body.input[1]!.tools![0]!;
    assert.deepEqual([tool.server_url, tool.authorization], [INTERNAL_URL, PLANTED_KEY]);
    assert.ok(!body.input[0]!.content!.includes(INTERNAL_HOST), body.input[0]!.content);
    const event = await lastEvent(s);
    const url = findingAt(event, '$.input[1].tools[0].server_url');
    assert.deepEqual([url.role, url.action], ['tool_server', 'audit']);
    const token = findingAt(event, '$.input[1].tools[0].authorization');
    assert.deepEqual([token.role, token.action], ['credential', 'audit']);
  });

  test("a Gemini interaction's mcp_server and its environment's variables go as given and are recorded", async () => {
    const s = stack();
    await genai(s).interactions.create({
      model: 'gemini-3-flash-preview',
      input: PROMPT,
      tools: [
        {
          type: 'mcp_server',
          name: 'tracker',
          url: INTERNAL_URL,
          headers: { Authorization: `Bearer ${PLANTED_KEY}` },
        },
      ],
      environment: {
        type: 'remote',
        env: { TRACKER_TOKEN: PLANTED_KEY, TRACKER_HOST: { value: INTERNAL_HOST } },
        sources: [{ type: 'inline', target: '/app/README.md', content: `Tickets live on ${INTERNAL_HOST}` }],
      },
    });
    const body = upstreamBody(s) as {
      tools: Record<string, unknown>[];
      environment: { env: Record<string, unknown>; sources: { content: string }[] };
      input: string;
    };
    assert.deepEqual(body.tools[0], {
      type: 'mcp_server',
      name: 'tracker',
      url: INTERNAL_URL,
      headers: { Authorization: `Bearer ${PLANTED_KEY}` },
    });
    assert.deepEqual(body.environment.env, {
      TRACKER_TOKEN: PLANTED_KEY,
      TRACKER_HOST: { value: INTERNAL_HOST },
    });
    // The files it starts with and the prompt are the user's: their host takes its stand-in.
    assert.ok(
      !body.environment.sources[0]!.content.includes(INTERNAL_HOST),
      body.environment.sources[0]!.content,
    );
    assert.ok(!body.input.includes(INTERNAL_HOST), body.input);
    const event = await lastEvent(s);
    assert.equal(event.dialect, 'gemini-interactions');
    const url = findingAt(event, '$.tools[0].url');
    assert.deepEqual([url.role, url.action, url.category], ['tool_server', 'audit', 'environment']);
    const header = findingAt(event, '$.tools[0].headers.Authorization');
    assert.deepEqual([header.role, header.action, header.category], ['credential', 'audit', 'secret']);
    const variable = findingAt(event, '$.environment.env.TRACKER_TOKEN');
    assert.deepEqual([variable.role, variable.action, variable.category], ['credential', 'audit', 'secret']);
    const host = findingAt(event, '$.environment.env.TRACKER_HOST.value');
    assert.deepEqual([host.role, host.action], ['credential', 'audit']);
  });

  test("Gemini generateContent's mcpServers: the URL and the headers go as given and are recorded", async () => {
    const s = stack();
    await generateWith(s, { url: INTERNAL_URL, headers: { Authorization: `Bearer ${PLANTED_KEY}` } });
    const body = upstreamBody(s) as {
      tools: { mcpServers: Record<string, unknown>[] }[];
      contents: { parts: { text: string }[] }[];
    };
    assert.deepEqual(body.tools[0]!.mcpServers[0], {
      name: 'tracker',
      streamableHttpTransport: { url: INTERNAL_URL, headers: { Authorization: `Bearer ${PLANTED_KEY}` } },
    });
    const prompt = body.contents[0]!.parts[0]!.text;
    assert.ok(!prompt.includes(INTERNAL_HOST), prompt);
    const event = await lastEvent(s);
    assert.equal(event.dialect, 'gemini-generate');
    const url = findingAt(event, '$.tools[0].mcpServers[0].streamableHttpTransport.url');
    assert.deepEqual([url.role, url.action, url.category], ['tool_server', 'audit', 'environment']);
    const header = findingAt(event, '$.tools[0].mcpServers[0].streamableHttpTransport.headers.Authorization');
    assert.deepEqual([header.role, header.action, header.category], ['credential', 'audit', 'secret']);
  });

  test("a managed agent's MCP server and a vault credential for it keep the server's URL", async () => {
    const s = stack();
    const agent = await anthropic(s).beta.agents.create({
      name: 'triage',
      model: 'claude-sonnet-4-6',
      system: PROMPT,
      mcp_servers: [{ type: 'url', name: 'tracker', url: INTERNAL_URL }],
      tools: [{ type: 'mcp_toolset', mcp_server_name: 'tracker' }],
    });
    const body = upstreamBody(s) as { mcp_servers: { url: string }[]; system: string };
    assert.equal(body.mcp_servers[0]!.url, INTERNAL_URL);
    assert.ok(!body.system.includes(INTERNAL_HOST), body.system);
    assert.equal(agent.system, PROMPT);
    const url = findingAt(await lastEvent(s), '$.mcp_servers[0].url');
    assert.deepEqual([url.role, url.action], ['tool_server', 'audit']);

    // The credential is used for the server whose URL it names: the agent's, as given.
    s.sim.reset();
    await anthropic(s).beta.vaults.credentials.create('vlt_011abc', {
      auth: { type: 'static_bearer', token: PLANTED_KEY, mcp_server_url: INTERNAL_URL },
    });
    const auth = (upstreamBody(s) as { auth: { mcp_server_url: string; token: string } }).auth;
    assert.deepEqual([auth.mcp_server_url, auth.token], [INTERNAL_URL, PLANTED_KEY]);
    const named = findingAt(await lastEvent(s), '$.auth.mcp_server_url');
    assert.deepEqual([named.role, named.action], ['tool_server', 'audit']);
  });

  test("a Gemini interaction's sandbox: its sources, allowed hosts and webhook go as given and are recorded", async () => {
    const s = stack();
    await interactionWithSandbox(s, {
      source: INTERNAL_REPO,
      domain: INTERNAL_HOST,
      webhook: INTERNAL_HOOK,
      header: `Bearer ${PLANTED_KEY}`,
    });
    const body = upstreamBody(s) as {
      environment: { sources: Record<string, unknown>[]; network: { allowlist: Record<string, unknown>[] } };
      webhook_config: { uris: string[] };
      input: string;
    };
    assert.equal(body.environment.sources[0]!.source, INTERNAL_REPO);
    assert.deepEqual(body.environment.network.allowlist[0], {
      domain: INTERNAL_HOST,
      transform: { Authorization: `Bearer ${PLANTED_KEY}` },
    });
    assert.deepEqual(body.webhook_config.uris, [INTERNAL_HOOK]);
    assert.ok(!body.input.includes(INTERNAL_HOST), body.input);
    const event = await lastEvent(s);
    for (const path of [
      '$.environment.sources[0].source',
      '$.environment.network.allowlist[0].domain',
      '$.webhook_config.uris[0]',
    ]) {
      const found = findingAt(event, path);
      assert.deepEqual(
        [found.role, found.action, found.category],
        ['tool_server', 'audit', 'environment'],
        path,
      );
    }
    const header = findingAt(event, '$.environment.network.allowlist[0].transform.Authorization');
    assert.deepEqual([header.role, header.action], ['credential', 'audit']);
  });

  test("a managed agents session's repository, an environment's allowed hosts and a variable credential go as given and are recorded", async () => {
    const s = stack();
    await sessionWithRepository(s, INTERNAL_REPO);
    const session = upstreamBody(s) as { resources: { url: string }[]; title: string };
    assert.equal(session.resources[0]!.url, INTERNAL_REPO);
    assert.ok(!session.title.includes(INTERNAL_HOST), session.title);
    const repo = findingAt(await lastEvent(s), '$.resources[0].url');
    assert.deepEqual([repo.role, repo.action, repo.category], ['tool_server', 'audit', 'environment']);

    s.sim.reset();
    await environmentAllowing(s, INTERNAL_HOST);
    const config = (upstreamBody(s) as { config: { networking: { allowed_hosts: string[] } } }).config;
    assert.deepEqual(config.networking.allowed_hosts, [INTERNAL_HOST]);
    const host = findingAt(await lastEvent(s), '$.config.networking.allowed_hosts[0]');
    assert.deepEqual([host.role, host.action, host.category], ['tool_server', 'audit', 'environment']);

    // The secret is substituted on the hosts named, into the variable the tools read by its name.
    s.sim.reset();
    await variableCredential(s, INTERNAL_HOST);
    const auth = (upstreamBody(s) as { auth: Record<string, unknown> }).auth;
    assert.deepEqual(auth, {
      type: 'environment_variable',
      secret_name: 'TRACKER_TOKEN',
      secret_value: PLANTED_KEY,
      networking: { type: 'limited', allowed_hosts: [INTERNAL_HOST] },
    });
    const event = await lastEvent(s);
    const allowed = findingAt(event, '$.auth.networking.allowed_hosts[0]');
    assert.deepEqual([allowed.role, allowed.action], ['tool_server', 'audit']);
    assert.ok(!event.findings.some((f) => f.path === '$.auth.secret_name'));
  });
});

describe('MCP servers the provider calls, roles: { tool_server: { environment: block }, credential: block }', () => {
  const stack = gatewayWith(
    `${CORPORATE}roles: { tool_server: { environment: block }, credential: block }\n`,
  );

  test("an internal host, or a token, is refused in the provider's shape", async () => {
    const s = stack();
    await refused(
      s,
      messagesWithServer(s, { type: 'url', name: 'tracker', url: INTERNAL_URL }),
      /roles\.tool_server\.environment/,
    );
    await refused(
      s,
      messagesWithServer(s, {
        type: 'url',
        name: 'tracker',
        url: PUBLIC_URL,
        authorization_token: PLANTED_KEY,
      }),
      /roles\.credential/,
    );
    await refused(s, responseWithServer(s, { server_url: INTERNAL_URL }), /roles\.tool_server\.environment/);
    await refused(
      s,
      responseWithServer(s, { server_url: PUBLIC_URL, headers: { Authorization: `Bearer ${PLANTED_KEY}` } }),
      /roles\.credential/,
    );
    await refused(s, interactionWith(s, { url: INTERNAL_URL }), /roles\.tool_server\.environment/);
    await refused(
      s,
      interactionWith(s, { url: PUBLIC_URL }, { TRACKER_TOKEN: PLANTED_KEY }),
      /roles\.credential/,
    );
    await refused(s, generateWith(s, { url: INTERNAL_URL }), /roles\.tool_server\.environment/);
    await refused(
      s,
      generateWith(s, { url: PUBLIC_URL, headers: { Authorization: `Bearer ${PLANTED_KEY}` } }),
      /roles\.credential/,
    );
    // What a sandbox fetches or reaches, and where the provider calls back.
    const PUBLIC = {
      source: 'https://github.com/example/tracker',
      domain: 'example.com',
      webhook: PUBLIC_URL,
    };
    await refused(
      s,
      interactionWithSandbox(s, { ...PUBLIC, source: INTERNAL_REPO }),
      /roles\.tool_server\.environment/,
    );
    await refused(
      s,
      interactionWithSandbox(s, { ...PUBLIC, domain: INTERNAL_HOST }),
      /roles\.tool_server\.environment/,
    );
    await refused(
      s,
      interactionWithSandbox(s, { ...PUBLIC, webhook: INTERNAL_HOOK }),
      /roles\.tool_server\.environment/,
    );
    await refused(s, sessionWithRepository(s, INTERNAL_REPO), /roles\.tool_server\.environment/);
    await refused(s, environmentAllowing(s, INTERNAL_HOST), /roles\.tool_server\.environment/);
    // A secret no rule knows: refused for the host alone.
    await refused(s, variableCredential(s, INTERNAL_HOST, 'opaque'), /roles\.tool_server\.environment/);
    await interactionWithSandbox(s, PUBLIC);
    assert.equal(upstreamBody(s).model, 'gemini-3-flash-preview');
    s.sim.reset();
    // A public server without a token goes.
    await messagesWithServer(s, { type: 'url', name: 'tracker', url: PUBLIC_URL });
    assert.equal(upstreamBody(s).model, 'claude-sonnet-4-6');
  });
});
