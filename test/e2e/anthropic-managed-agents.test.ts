/**
 * Anthropic's managed agents through a whole Airlock to the simulator, with @anthropic-ai/sdk's
 * own methods (client.beta.agents, sessions, environments, memoryStores, vaults): an agent's
 * system prompt and tools, a session's events, a memory's content leave pseudonymized and the
 * objects the answers hold come back with the original values; a vault credential's secret goes
 * as given (a stand-in would be stored in the vault) and is recorded, unless the policy names the
 * role `credential`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { AuditEvent } from '../../src/audit/types.js';
import { GIVEN_AS_CREDENTIAL } from '../../src/policy/compile.js';
import { stackForDescribe, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { until } from '../helpers/until.js';
import { leaks, PLANTED_KEY, plantedText, plantedValues } from '../helpers/planted.js';

let fe: FakeEnv;
before(() => {
  fe = makeFakeEnv();
});
after(() => fe.cleanup());

/** A gateway under this policy (undefined: the built-in one) for the tests of one describe. */
const gatewayWith = (policy: string | undefined) =>
  stackForDescribe(policy, { script: { reply: [{ text: 'ok' }] } }, () => fe);

const client = (s: AirlockStack) =>
  new Anthropic({ apiKey: 'sk-ant-test', baseURL: s.via.anthropic, maxRetries: 0 });

/** The one request the simulator received, at `path`, with no planted value in it. */
function seenUpstream(s: AirlockStack, path: string, values = plantedValues(fe)): string {
  const received = s.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  assert.equal(received[0]!.path.replace(/\?.*/, ''), path);
  assert.deepEqual(leaks(s.sim, values), [], 'planted values reached the provider');
  return received[0]!.body.toString();
}

async function eventAt(s: AirlockStack, path: string): Promise<AuditEvent> {
  await s.airlock.recorder.flush();
  const { events } = await s.airlock.store.query({ kind: 'request', limit: 20 });
  const event = events.find((e) => e.path === path);
  assert.ok(event, `no audit event for ${path}: ${events.map((e) => e.path).join(', ')}`);
  assert.equal(event.dialect, 'anthropic-managed-agents');
  assert.equal(event.uninspected, undefined);
  return event;
}

/** The paths of the request's findings (headers aside). */
const foundAt = (event: AuditEvent) =>
  new Set(event.findings.filter((f) => f.role !== 'header').map((f) => f.path));

describe('managed agents, built-in policy', () => {
  const stack = gatewayWith(undefined);

  test("an agent's system prompt, tools and metadata leave pseudonymized and come back restored", async () => {
    const s = stack();
    const text = plantedText(fe);
    const agent = await client(s).beta.agents.create({
      name: 'deployer',
      model: 'claude-sonnet-4-6',
      system: `You deploy.\n${text}`,
      tools: [
        {
          type: 'custom',
          name: 'deploy',
          description: `Deploys ${fe.project}`,
          input_schema: {
            type: 'object',
            properties: { dir: { type: 'string', description: `under ${fe.home}` } },
          },
        },
      ],
      metadata: { owner: fe.user },
    });
    const body = seenUpstream(s, '/v1/agents');
    assert.match(body, /"model":"claude-sonnet-4-6"/);
    // The user reads back what they wrote; the key stays the stand-in it was stored as (a
    // secret is put back only into tool calls).
    const key = /OPENAI_API_KEY=\S+/;
    assert.equal(agent.system?.replace(key, 'KEY'), `You deploy.\n${text}`.replace(key, 'KEY'));
    assert.ok(!agent.system!.includes(PLANTED_KEY));
    const tool = agent.tools[0] as Anthropic.Beta.BetaManagedAgentsCustomTool;
    assert.equal(tool.description, `Deploys ${fe.project}`);
    assert.deepEqual(tool.input_schema.properties, {
      dir: { type: 'string', description: `under ${fe.home}` },
    });
    assert.deepEqual(agent.metadata, { owner: fe.user });
    const event = await eventAt(s, '/v1/agents');
    const paths = foundAt(event);
    for (const p of [
      '$.system',
      '$.tools[0].description',
      '$.tools[0].input_schema.properties.dir.description',
      '$.metadata.owner',
    ])
      assert.ok(paths.has(p), `no finding at ${p}: ${[...paths].join(', ')}`);
    assert.equal(event.findings.find((f) => f.path === '$.system')?.role, 'system');
    assert.equal(event.findings.find((f) => f.path === '$.tools[0].description')?.role, 'tool_definition');
  });

  test("a session's agent overrides and initial events, and the events sent to it", async () => {
    const s = stack();
    const session = await client(s).beta.sessions.create({
      agent: { type: 'agent_with_overrides', id: 'agent_011abc', system: `Work in ${fe.project}` },
      environment_id: 'env_011abc',
      title: `deploy of ${fe.user}`,
      initial_events: [{ type: 'user.message', content: [{ type: 'text', text: `Deploy ${fe.project}` }] }],
    });
    seenUpstream(s, '/v1/sessions');
    assert.equal(session.title, `deploy of ${fe.user}`);
    assert.equal(session.agent.system, `Work in ${fe.project}`);
    assert.ok(foundAt(await eventAt(s, '/v1/sessions')).has('$.initial_events[0].content[0].text'));

    s.sim.reset();
    const sent = await client(s).beta.sessions.events.send(session.id, {
      events: [
        { type: 'user.message', content: [{ type: 'text', text: `Now on ${fe.host}, in ${fe.project}` }] },
        {
          type: 'user.custom_tool_result',
          custom_tool_use_id: 'sevt_011abc',
          content: [{ type: 'text', text: `ls ${fe.home}` }],
        },
      ],
    });
    const path = `/v1/sessions/${session.id}/events`;
    seenUpstream(s, path);
    const [message, result] = sent.data as Anthropic.Beta.Sessions.BetaManagedAgentsUserMessageEvent[];
    assert.deepEqual(message?.content, [{ type: 'text', text: `Now on ${fe.host}, in ${fe.project}` }]);
    assert.deepEqual(result?.content, [{ type: 'text', text: `ls ${fe.home}` }]);
    const event = await eventAt(s, path);
    assert.equal(event.findings.find((f) => f.path === '$.events[0].content[0].text')?.role, 'user');
    assert.equal(event.findings.find((f) => f.path === '$.events[1].content[0].text')?.role, 'tool_result');
  });

  test("an environment, a memory store's memory and a vault", async () => {
    const s = stack();
    const env = await client(s).beta.environments.create({
      name: 'build',
      description: `builds ${fe.project}`,
    });
    seenUpstream(s, '/v1/environments');
    assert.equal(env.description, `builds ${fe.project}`);

    s.sim.reset();
    const memory = await client(s).beta.memoryStores.memories.create('memstore_011abc', {
      path: `/notes/${fe.user}.md`,
      content: `${fe.user} keeps the code in ${fe.project}`,
    });
    seenUpstream(s, '/v1/memory_stores/memstore_011abc/memories');
    assert.equal(memory.path, `/notes/${fe.user}.md`);
    assert.equal(memory.content, `${fe.user} keeps the code in ${fe.project}`);
    const paths = foundAt(await eventAt(s, '/v1/memory_stores/memstore_011abc/memories'));
    assert.ok(paths.has('$.content') && paths.has('$.path'), [...paths].join(', '));

    s.sim.reset();
    const vault = await client(s).beta.vaults.create({ display_name: `${fe.user}'s vault` });
    seenUpstream(s, '/v1/vaults');
    assert.equal(vault.display_name, `${fe.user}'s vault`);
  });

  test("a deployment's initial events are inspected, its schedule's time zone goes as set", async () => {
    const s = stack();
    const deployment = await client(s).beta.deployments.create({
      name: 'nightly',
      agent: 'agent_011abc',
      environment_id: 'env_011abc',
      initial_events: [
        { type: 'user.message', content: [{ type: 'text', text: `Check ${fe.project} on ${fe.host}` }] },
      ],
      schedule: { type: 'cron', expression: '0 3 * * *', timezone: 'Europe/Paris' },
    });
    const body = JSON.parse(seenUpstream(s, '/v1/deployments')) as { schedule: { timezone: string } };
    assert.equal(body.schedule.timezone, 'Europe/Paris');
    const answered = deployment as unknown as { initial_events: { content: { text: string }[] }[] };
    assert.equal(answered.initial_events[0]?.content[0]?.text, `Check ${fe.project} on ${fe.host}`);
    assert.ok(foundAt(await eventAt(s, '/v1/deployments')).has('$.initial_events[0].content[0].text'));
  });

  test("a vault credential's secret goes as given and is recorded; what describes it is inspected", async () => {
    const s = stack();
    const credential = await client(s).beta.vaults.credentials.create('vlt_011abc', {
      display_name: `key of ${fe.user}`,
      auth: {
        type: 'environment_variable',
        secret_name: 'OPENAI_API_KEY',
        secret_value: PLANTED_KEY,
        networking: { type: 'unrestricted' },
      },
    });
    const path = '/v1/vaults/vlt_011abc/credentials';
    // The key reaches the vault as the user gave it: a stand-in would be stored instead.
    const body = seenUpstream(
      s,
      path,
      plantedValues(fe).filter((v) => v !== PLANTED_KEY),
    );
    assert.ok(JSON.parse(body).auth.secret_value === PLANTED_KEY);
    assert.equal(credential.display_name, `key of ${fe.user}`);
    const event = await eventAt(s, path);
    const secret = event.findings.find((f) => f.path === '$.auth.secret_value');
    assert.ok(secret, event.findings.map((f) => f.path).join(', '));
    assert.equal(secret.role, 'credential');
    assert.equal(secret.action, 'audit');
    assert.ok(!secret.preview.includes(PLANTED_KEY));
    assert.ok(foundAt(event).has('$.display_name'));
    assert.notEqual(event.decision, 'block');
    assert.ok(GIVEN_AS_CREDENTIAL.includes('roles.credential'));
  });

  test("an environment variable credential named after the user keeps its name, the one the agent's tools read", async () => {
    const s = stack();
    const name = `${fe.user.toUpperCase()}_GITHUB_TOKEN`;
    await client(s).beta.vaults.credentials.create('vlt_011abc', {
      display_name: `token of ${fe.user}`,
      auth: {
        type: 'environment_variable',
        secret_name: name,
        secret_value: 'opaque',
        networking: { type: 'unrestricted' },
      },
    });
    const path = '/v1/vaults/vlt_011abc/credentials';
    const body = JSON.parse(seenUpstream(s, path)) as {
      display_name: string;
      auth: { secret_name: string };
    };
    // A renamed variable is a missing one; the user's name elsewhere takes its stand-in.
    assert.equal(body.auth.secret_name, name);
    assert.ok(!body.display_name.includes(fe.user), body.display_name);
    const event = await eventAt(s, path);
    assert.ok(foundAt(event).has('$.display_name'));
    assert.ok(!foundAt(event).has('$.auth.secret_name'));
  });
});

describe('managed agents, roles: { credential: block }', () => {
  const stack = gatewayWith('roles: { credential: block }\n');

  test("a vault credential with a secret is refused in Anthropic's shape, naming the entry", async () => {
    const s = stack();
    await assert.rejects(
      client(s).beta.vaults.credentials.create('vlt_011abc', {
        auth: { type: 'static_bearer', token: PLANTED_KEY, mcp_server_url: 'https://mcp.example.com/sse' },
      }),
      (err: unknown) => {
        // The status of a policy refusal is the gateway's (docs/errors.md), not this test's.
        assert.ok(err instanceof Anthropic.APIError, String(err));
        assert.match(JSON.stringify(err.error), /roles\.credential/);
        return true;
      },
    );
    assert.deepEqual(s.sim.received, []);
    // Other managed agents requests are not affected.
    const vault = await client(s).beta.vaults.create({ display_name: 'team' });
    assert.equal(vault.display_name, 'team');
  });
});

describe('managed agents read back by GET', () => {
  const stack = gatewayWith(undefined);

  /** What the provider holds at `path`, read past the gateway: the surrogates it was given. */
  async function heldUpstream(s: AirlockStack, path: string): Promise<string> {
    const res = await fetch(`${s.sim.url}${path}`, {
      headers: {
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'managed-agents-2026-04-01,agent-memory-2026-07-22',
      },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(fe.project) && !text.includes(fe.host), `the provider holds originals: ${text}`);
    assert.match(text, /\/home\/user\/project-\d+|host-\d+\.example\.internal/);
    return text;
  }

  /** A read-back request's audit event: the read-back dialect, its body unread. */
  async function readBackAt(s: AirlockStack, path: string): Promise<void> {
    await s.airlock.recorder.flush();
    const { events } = await s.airlock.store.query({ kind: 'request', limit: 50 });
    const event = events.find((e) => e.path === path && e.method === 'GET');
    assert.ok(event, `no audit event for GET ${path}: ${events.map((e) => e.path).join(', ')}`);
    assert.equal(event.dialect, 'anthropic-managed-agents-read');
  }

  test('an agent retrieved and listed: its system prompt, tool and metadata restored', async () => {
    const s = stack();
    const created = await client(s).beta.agents.create({
      name: 'deployer',
      model: 'claude-sonnet-4-6',
      system: `Work in ${fe.project} on ${fe.host}`,
      tools: [
        {
          type: 'custom',
          name: 'deploy',
          description: `Deploys ${fe.project}`,
          input_schema: { type: 'object' },
        },
      ],
      metadata: { host: fe.host },
    });
    await heldUpstream(s, `/v1/agents/${created.id}`);
    s.sim.reset();
    const agent = await client(s).beta.agents.retrieve(created.id);
    assert.deepEqual(leaks(s.sim, plantedValues(fe)), [], 'planted values reached the provider');
    assert.equal(agent.system, `Work in ${fe.project} on ${fe.host}`);
    assert.equal(
      (agent.tools[0] as Anthropic.Beta.BetaManagedAgentsCustomTool).description,
      `Deploys ${fe.project}`,
    );
    assert.deepEqual(agent.metadata, { host: fe.host });
    await readBackAt(s, `/v1/agents/${created.id}`);
    const listed = [];
    for await (const a of client(s).beta.agents.list()) listed.push(a);
    assert.deepEqual(
      listed.map((a) => a.system),
      [`Work in ${fe.project} on ${fe.host}`],
    );
  });

  test("a session's events listed: what it was sent and the agent's message and tool call, restored", async () => {
    const s = stack();
    const session = await client(s).beta.sessions.create({
      agent: 'agent_011abc',
      environment_id: 'env_011abc',
      title: `deploy on ${fe.host}`,
      initial_events: [
        { type: 'user.message', content: [{ type: 'text', text: `Open ${fe.project} first` }] },
      ],
    });
    await client(s).beta.sessions.events.send(session.id, {
      events: [
        {
          type: 'user.message',
          content: [{ type: 'text', text: `Now on ${fe.host}, read ${fe.home}/notes.md` }],
        },
      ],
    });
    const held = await heldUpstream(s, `/v1/sessions/${session.id}/events`);
    assert.match(held, /"file_path":"\/home\/user(?:-\d+)?\/notes\.md"/);
    s.sim.reset();

    const events = [];
    for await (const e of client(s).beta.sessions.events.list(session.id)) events.push(e);
    assert.deepEqual(leaks(s.sim, plantedValues(fe)), [], 'planted values reached the provider');
    const said = events.flatMap((e) =>
      e.type === 'agent.message' || e.type === 'user.message'
        ? e.content.map((c) => (c.type === 'text' ? c.text : ''))
        : [],
    );
    assert.deepEqual(said, [
      `Open ${fe.project} first`,
      `You said: Open ${fe.project} first`,
      `Now on ${fe.host}, read ${fe.home}/notes.md`,
      `You said: Now on ${fe.host}, read ${fe.home}/notes.md`,
    ]);
    const reads = events.flatMap((e) => (e.type === 'agent.tool_use' ? [e.input] : []));
    assert.deepEqual(reads, [{ file_path: fe.project }, { file_path: `${fe.home}/notes.md` }]);
    await readBackAt(s, `/v1/sessions/${session.id}/events`);

    const again = await client(s).beta.sessions.retrieve(session.id);
    assert.equal(again.title, `deploy on ${fe.host}`);
    const sessions = [];
    for await (const one of client(s).beta.sessions.list())
      if (one.id === session.id) sessions.push(one.title);
    assert.deepEqual(sessions, [`deploy on ${fe.host}`]);
  });

  test('an environment, a memory store and its memories, retrieved and listed', async () => {
    const s = stack();
    const env = await client(s).beta.environments.create({
      name: 'build',
      description: `builds ${fe.project}`,
    });
    const store = await client(s).beta.memoryStores.create({
      name: 'notes',
      description: `notes of ${fe.user}`,
    });
    const memory = await client(s).beta.memoryStores.memories.create(store.id, {
      path: `/notes/${fe.host}.md`,
      content: `${fe.user} keeps the code in ${fe.project}`,
    });
    await heldUpstream(s, `/v1/memory_stores/${store.id}/memories/${memory.id}`);
    s.sim.reset();

    assert.equal((await client(s).beta.environments.retrieve(env.id)).description, `builds ${fe.project}`);
    const envs = [];
    for await (const e of client(s).beta.environments.list()) envs.push(e.description);
    assert.deepEqual(envs, [`builds ${fe.project}`]);
    assert.equal((await client(s).beta.memoryStores.retrieve(store.id)).description, `notes of ${fe.user}`);
    const again = await client(s).beta.memoryStores.memories.retrieve(memory.id, {
      memory_store_id: store.id,
    });
    assert.equal(again.path, `/notes/${fe.host}.md`);
    assert.equal(again.content, `${fe.user} keeps the code in ${fe.project}`);
    const listed = [];
    for await (const m of client(s).beta.memoryStores.memories.list(store.id)) listed.push(m);
    assert.deepEqual(
      listed.map((m) => (m.type === 'memory' ? [m.path, m.content] : [])),
      [[`/notes/${fe.host}.md`, `${fe.user} keeps the code in ${fe.project}`]],
    );
    assert.deepEqual(leaks(s.sim, plantedValues(fe)), [], 'planted values reached the provider');
    await readBackAt(s, `/v1/memory_stores/${store.id}/memories`);
  });

  test("a session's event stream: each event restored as it comes, while the session runs on", async () => {
    const s = stack();
    const session = await client(s).beta.sessions.create({
      agent: 'agent_011abc',
      environment_id: 'env_011abc',
    });
    // The simulator's stream stays open as long as the client reads it, as a session's does:
    // events held until the stream ends would never arrive.
    const stream = await client(s).beta.sessions.events.stream(session.id, {
      event_deltas: ['agent.message'],
    });
    const said = `Now on ${fe.host}, read ${fe.home}/notes.md`;
    await client(s).beta.sessions.events.send(session.id, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: said }] }],
    });
    const seen: Anthropic.Beta.Sessions.BetaManagedAgentsStreamSessionEvents[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.type === 'session.status_idle') break;
    }
    assert.deepEqual(leaks(s.sim, plantedValues(fe)), [], 'planted values reached the provider');
    const texts = (type: string) =>
      seen.flatMap((e) =>
        e.type === type && 'content' in e && Array.isArray(e.content)
          ? e.content.map((c) => ('text' in c ? c.text : ''))
          : [],
      );
    assert.deepEqual(texts('user.message'), [said]);
    assert.deepEqual(texts('agent.message'), [`You said: ${said}`]);
    // The preview, four characters a fragment: every surrogate in it was split.
    const fragments = seen.flatMap((e) => (e.type === 'event_delta' ? [e.delta.content.text] : []));
    assert.ok(fragments.length > 10, String(fragments.length));
    assert.equal(fragments.join(''), `You said: ${said}`);
    const reads = seen.flatMap((e) => (e.type === 'agent.tool_use' ? [e.input] : []));
    assert.deepEqual(reads, [{ file_path: `${fe.home}/notes.md` }]);
    // Recorded once the gateway saw the client leave, and its upstream request end.
    const path = `/v1/sessions/${session.id}/events/stream`;
    await until(async () => {
      await s.airlock.recorder.flush();
      const { events } = await s.airlock.store.query({ kind: 'request', limit: 50 });
      return events.some((e) => e.path === path);
    }, 'the stream audited');
    await readBackAt(s, path);
  });
});
