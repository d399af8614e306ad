/**
 * The policy inspector with the real detection engine, the real Anthropic dialect and real
 * vaults: what leaves, what is blocked and how it is explained, what comes back, and that the
 * same conversation gives byte-identical upstream bodies turn after turn and across restarts.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import type { InspectResult } from '../../src/gateway/inspector.js';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/load.js';
import { loadOrCreateKey } from '../../src/redact/surrogates.js';
import { MemoryVault, type Vault } from '../../src/redact/vault.js';
import { SqliteVault } from '../../src/redact/vault-sqlite.js';
import { parseSse, sse } from '../redact/helpers.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'airlock-insp-'));
  dirs.push(d);
  return d;
}

const KEY = Buffer.alloc(32, 11);
const SECRET_KEY = 'AKIAZ7TRWQ4LMNOPQRST';
const SECRET = '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';
const SESSION = '5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c';
const PLANTED = [
  '/home/alice',
  'acme-api',
  'db01.acme.corp',
  SECRET_KEY,
  SECRET,
  '10.1.2.3',
  'a4:83:e7:12:34:56',
  'Europe/Berlin',
  SESSION,
];

function conversation(turns: number): Record<string, unknown> {
  const messages: unknown[] = [
    {
      role: 'user',
      content:
        'Here is my .env:\nAWS_ACCESS_KEY_ID=' +
        SECRET_KEY +
        '\nAWS_SECRET_ACCESS_KEY=' +
        SECRET +
        '\nDB_HOST=db01.acme.corp',
    },
  ];
  for (let t = 1; t < turns; t++) {
    messages.push({
      role: 'assistant',
      content: [{ type: 'text', text: `Turn ${t}: reading /home/alice/acme-api/src/db.ts` }],
    });
    messages.push({
      role: 'user',
      content: [{ type: 'text', text: `my ip is 10.1.2.3 and mac a4:83:e7:12:34:56 (turn ${t})` }],
    });
  }
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream: true,
    system: [
      {
        type: 'text',
        text: 'Working directory: /home/alice/acme-api\nTime zone: Europe/Berlin\nPlatform: linux',
      },
    ],
    messages,
    metadata: { user_id: JSON.stringify({ device_id: '', account_uuid: '', session_id: SESSION }) },
  };
}

const HEADERS: IncomingHttpHeaders = {
  'user-agent': 'claude-cli/2.0.14 (external, cli)',
  'x-api-key': 'sk-ant-api03-' + 'k'.repeat(80),
  'x-stainless-os': 'Linux',
  'x-stainless-arch': 'x64',
  'x-claude-code-session-id': SESSION,
  'anthropic-version': '2023-06-01',
  'proxy-authorization': 'Basic amRvZTpTM2NyM3QtUHIweHk=',
};

/** An Anthropic `content_block_delta` event of block `index`, as the restorer reads one. */
function blockDelta(index: number, delta: Record<string, unknown>) {
  return sse('content_block_delta', { type: 'content_block_delta', index, delta });
}

function inspector(
  policy: CompiledPolicy = defaultPolicy(),
  vault: Vault = new MemoryVault(),
  key: Buffer = KEY,
) {
  return createPolicyInspector({ policy, engine: engineForPolicy(policy), vault, key });
}

async function inspect(body: unknown, i = inspector(), headers = HEADERS): Promise<InspectResult> {
  return i.inspect({
    provider: 'anthropic',
    dialect: anthropicMessages,
    method: 'POST',
    path: '/v1/messages',
    query: new URLSearchParams(),
    headers: { ...headers },
    body,
  });
}

function forwarded(result: InspectResult): Extract<InspectResult, { action: 'forward' }> {
  assert.equal(result.action, 'forward', result.action === 'block' ? result.message : '');
  return result as Extract<InspectResult, { action: 'forward' }>;
}

describe('policy inspector', () => {
  it('sends none of the planted values, keeps what the provider needs, and restores the answer', async () => {
    const r = forwarded(await inspect(conversation(2)));
    const sent = JSON.stringify(r.body);
    for (const v of PLANTED) assert.ok(!sent.includes(v), `${v} left in the body`);
    assert.match(sent, /\/home\/user\/project-\d+/);
    assert.match(sent, /AKIA[A-Z0-9]{16}/, 'the secret surrogate keeps its shape');
    assert.ok(r.removeHeaders?.includes('x-stainless-os') && r.removeHeaders.includes('x-stainless-arch'));
    assert.equal(
      r.setHeaders?.['user-agent'],
      undefined,
      'claude-cli user agent carries no OS details: unchanged',
    );
    assert.ok(
      r.setHeaders?.['x-claude-code-session-id'] && r.setHeaders['x-claude-code-session-id'] !== SESSION,
    );
    assert.equal(r.setHeaders?.['x-api-key'], undefined, 'the credential is never touched');
    assert.ok(r.removeHeaders?.includes('proxy-authorization'), 'proxy credentials are removed');
    assert.equal(r.setHeaders?.['proxy-authorization'], undefined);
    assert.ok(r.summary.findings.length >= 8);
    for (const f of r.summary.findings)
      for (const v of PLANTED) assert.ok(!f.preview.includes(v) && !f.valueHash.includes(v));

    // The model answers with a Read tool call on the surrogate path, split mid-surrogate.
    const project = /\/home\/user\/project-\d+/.exec(sent)?.[0] ?? '';
    const args = JSON.stringify({ file_path: `${project}/src/db.ts` });
    const s = r.restorer?.stream();
    assert.ok(s);
    const cut = args.indexOf('project') + 3;
    const delta = (t: string) => blockDelta(1, { type: 'input_json_delta', partial_json: t });
    const out = Buffer.concat([
      s.event(delta(args.slice(0, cut))),
      s.event(delta(args.slice(cut))),
      s.event(sse('content_block_stop', { type: 'content_block_stop', index: 1 })),
      s.end(),
    ]);
    const partial = parseSse(out)
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as { delta: { partial_json: string } }).delta.partial_json)
      .join('');
    assert.deepEqual(JSON.parse(partial), { file_path: '/home/alice/acme-api/src/db.ts' });
  });

  it('blocks a private key, naming rule, place and policy entry, never the value', async () => {
    const body = conversation(1);
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n'.repeat(4) +
      '-----END OPENSSH PRIVATE KEY-----';
    (body.messages as unknown[]).push({
      role: 'user',
      content: [{ type: 'text', text: `deploy with\n${key}` }],
    });
    const r = await inspect(body);
    assert.equal(r.action, 'block');
    const message = r.action === 'block' ? r.message : '';
    assert.match(message, /rule secret\.private-key/);
    assert.match(message, /a user message at messages\[1\]\.content\[0\]\.text/);
    assert.match(message, /kinds\.private-key/);
    assert.match(message, /allow_values/);
    assert.ok(!message.includes('b3BlbnNzaC1rZXkt'), 'the value is never in the message');
  });

  it('blocks a value under keys that are a token and a home path, naming neither key nor value', async () => {
    const token = 'ghp_' + 'abcdefghijklmnopqrstuvwxyz0123456789';
    const body = conversation(1);
    (body.messages as unknown[]).push(
      {
        role: 'assistant',
        content: [
          {
            type: 'tool_use',
            id: 'toolu_01',
            name: 'Write',
            input: { files: { [token]: { '/home/erin/proj/a.ts': 'mail dan@initech.io' } } },
          },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'ok' }] },
    );
    const r = await inspect(
      body,
      inspector(compilePolicy(parsePolicy('kinds:\n  email: block\n', 'p.yaml'), 'p.yaml')),
    );
    assert.equal(r.action, 'block');
    const message = r.action === 'block' ? r.message : '';
    for (const text of [token, 'ghp_', '/home/erin', 'a.ts', 'dan@initech.io'])
      assert.ok(!message.includes(text), `${text} is in the message: ${message}`);
    assert.match(
      message,
      /an email value \(rule pii\.email, category pii\) in a tool call at messages\[1\]\.content\[0\]\.input\.files\[…\]\[…\]: policy entry kinds\.email says block/,
    );
  });

  it('strips hidden unicode (zero-width and tag characters) from the text', async () => {
    const body = conversation(1);
    const hidden = 'please fix\u200b the bug\u{E0049}\u{E0047}\u{E004E}';
    (body.messages as unknown[]).push({ role: 'user', content: [{ type: 'text', text: hidden }] });
    const r = forwarded(await inspect(body));
    const sent =
      (r.body as { messages: { content: { text: string }[] }[] }).messages[1]?.content[0]?.text ?? '';
    assert.equal(sent, 'please fix the bug');
    assert.ok(
      r.summary.findings.some((f) => f.finding.category === 'hidden-unicode' && f.action === 'strip'),
    );
  });

  it('leaves a file that the assistant read as it is where a stand-in could not be put back', async () => {
    const body = conversation(1);
    const dockerfile = 'FROM node:20\nENV TZ=Europe/Berlin LANG=de_DE.UTF-8\nWORKDIR /home/alice/acme-api';
    (body.messages as unknown[]).push(
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: 'Dockerfile' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: dockerfile }] },
    );
    const r = forwarded(await inspect(body));
    const messages = (r.body as { messages: { content: unknown }[] }).messages;
    const file = JSON.stringify(messages[2]?.content);
    assert.match(file, /ENV TZ=Europe\/Berlin LANG=de_DE\.UTF-8/, 'kept in the file');
    assert.ok(!file.includes('/home/alice'), 'a path is still replaced: it is put back in answers');
    const system = JSON.stringify((r.body as { system: unknown }).system);
    assert.ok(!system.includes('Europe/Berlin'), "the system prompt's description of the machine is not");
    assert.ok(
      r.summary.findings.some(
        (f) => f.finding.kind === 'timezone' && f.finding.role === 'tool_result' && f.action === 'audit',
      ),
      'recorded',
    );
  });

  it('replaces a git remote organisation and a cloud project id with names it puts back', async () => {
    const body = conversation(1);
    const shell =
      'origin\tgit@github.com:acme-internal/billing.git (fetch)\n' +
      'GOOGLE_CLOUD_PROJECT=acme-billing-prod-4711';
    (body.messages as unknown[]).push({ role: 'user', content: [{ type: 'text', text: shell }] });
    const r = forwarded(await inspect(body));
    const sent = JSON.stringify(r.body);
    assert.ok(!sent.includes('acme-internal') && !sent.includes('acme-billing-prod-4711'));
    // A name stands where the value was, so a command the model writes with it still parses.
    const org = /git@github\.com:(org-\d+)\/billing\.git/.exec(sent)?.[1];
    const project = /GOOGLE_CLOUD_PROJECT=(cloud-project-\d+)/.exec(sent)?.[1];
    assert.ok(org && project, sent);

    const command = `git push git@github.com:${org}/billing.git && gcloud config set project ${project}`;
    const s = r.restorer?.stream();
    assert.ok(s);
    const cut = command.indexOf(project) + 4;
    const text = (t: string) => blockDelta(0, { type: 'text_delta', text: t });
    const out = Buffer.concat([
      s.event(text(command.slice(0, cut))),
      s.event(text(command.slice(cut))),
      s.end(),
    ]);
    const answer = parseSse(out)
      .map((e) => (JSON.parse(e.data) as { delta?: { text?: string } }).delta?.text ?? '')
      .join('');
    assert.equal(
      answer,
      'git push git@github.com:acme-internal/billing.git && gcloud config set project acme-billing-prod-4711',
    );
  });

  it('monitor mode records the same findings and changes nothing', async () => {
    const monitor = compilePolicy(parsePolicy('mode: monitor\n', 'm.yaml'), 'm.yaml');
    const body = conversation(2);
    const before = JSON.stringify(body);
    const r = forwarded(await inspect(body, inspector(monitor)));
    assert.equal(r.summary.mode, 'monitor');
    assert.equal(r.body, undefined);
    assert.equal(r.setHeaders, undefined);
    assert.equal(r.removeHeaders, undefined);
    assert.equal(r.restorer, undefined);
    assert.equal(JSON.stringify(body), before);
    const enforced = forwarded(await inspect(conversation(2)));
    assert.deepEqual(
      r.summary.findings.map((f) => [f.finding.ruleId, f.action]),
      enforced.summary.findings.map((f) => [f.finding.ruleId, f.action]),
    );
  });

  it('allow_values and rules change what is sent', async () => {
    const policy = compilePolicy(
      parsePolicy('allow_values: ["db01.acme.corp"]\nrules: { env.timezone-iana: allow }\n', 'p.yaml'),
      'p.yaml',
    );
    const sent = JSON.stringify(forwarded(await inspect(conversation(1), inspector(policy))).body);
    assert.ok(sent.includes('db01.acme.corp'));
    assert.ok(sent.includes('Europe/Berlin'));
    assert.ok(!sent.includes('/home/alice'));
  });

  it('gives byte-identical bodies turn after turn, across restarts with the same key file', async () => {
    const dataDir = await tempDir();
    const key = loadOrCreateKey(dataDir);
    const first = new SqliteVault(join(dataDir, 'vault.db'));
    const i1 = inspector(defaultPolicy(), first, key);
    const turn1 = JSON.stringify(forwarded(await inspect(conversation(1), i1)).body);
    const turn3 = forwarded(await inspect(conversation(3), i1)).body as {
      system: unknown;
      messages: unknown[];
    };
    const turn1Parsed = JSON.parse(turn1) as { system: unknown; messages: unknown[] };
    // The prefix the provider caches is the same bytes in every later turn.
    assert.equal(JSON.stringify(turn3.system), JSON.stringify(turn1Parsed.system));
    assert.equal(JSON.stringify(turn3.messages[0]), JSON.stringify(turn1Parsed.messages[0]));
    await first.close();

    // Restart: new process state, same data dir.
    const second = new SqliteVault(join(dataDir, 'vault.db'));
    const again = JSON.stringify(
      forwarded(await inspect(conversation(1), inspector(defaultPolicy(), second, loadOrCreateKey(dataDir))))
        .body,
    );
    await second.close();
    assert.equal(again, turn1);
    // And with an empty memory vault (nothing remembered), the same key still gives the same bytes.
    const fresh = JSON.stringify(
      forwarded(await inspect(conversation(1), inspector(defaultPolicy(), new MemoryVault(), key))).body,
    );
    assert.equal(fresh, turn1);
    // Another installation (another key) sends other surrogates.
    const other = JSON.stringify(
      forwarded(
        await inspect(conversation(1), inspector(defaultPolicy(), new MemoryVault(), Buffer.alloc(32, 99))),
      ).body,
    );
    assert.notEqual(other, turn1);
  });

  it('splices its edits into the bytes it is given: the bytes serializing the edited body gives', async () => {
    const i = inspector();
    const body = conversation(2);
    const raw = Buffer.from(JSON.stringify(body));
    const r = forwarded(
      await i.inspect({
        provider: 'anthropic',
        dialect: anthropicMessages,
        method: 'POST',
        path: '/v1/messages',
        query: new URLSearchParams(),
        headers: { ...HEADERS },
        body,
        raw,
      }),
    );
    assert.ok(r.bodyBytes, 'no spliced body');
    assert.equal(r.bodyBytes.toString('utf8'), JSON.stringify(r.body));
    assert.equal(JSON.stringify(r.body), JSON.stringify(forwarded(await inspect(conversation(2), i)).body));
    // Bytes that may hide text from the parsed body (a repeated key) are not spliced.
    const twice = Buffer.from(`{"system":"x",${JSON.stringify(body).slice(1)}`);
    const again = forwarded(
      await i.inspect({
        provider: 'anthropic',
        dialect: anthropicMessages,
        method: 'POST',
        path: '/v1/messages',
        query: new URLSearchParams(),
        headers: { ...HEADERS },
        body: JSON.parse(twice.toString('utf8')) as unknown,
        raw: twice,
      }),
    );
    assert.ok(again.body !== undefined && again.bodyBytes === undefined);
  });
});
