/**
 * Values in parsed JSON are scanned beside their member names where a rule needs the name
 * (`"aws_secret_access_key": "…"`, `"db_password": "…"`): in JSON files, in JSON held in a
 * transcript's tool result or a Codex tool output, in HAR response bodies. The scanner finds
 * there what the gateway finds in the same JSON text, while each finding keeps the value's own
 * JSON path, line and role, and the value as parsed (escapes undone). And a list of request
 * bodies gives its members the same roles whatever its size.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { revealValue } from '../../src/scan/mask.js';
import { keyContextFor } from '../../src/scan/readers/key-context.js';
import { runScan } from '../../src/scan/run.js';
import type { ScanFinding } from '../../src/scan/types.js';
import { findingsOf, tempDir } from './helpers/run.js';

const ENGINE = {
  module: new URL('../../src/scan/default-engine.ts', import.meta.url).href,
  options: { canaries: false },
};

// Assembled at run time: no complete key-shaped literal in the source.
const SECRET_KEY = ['Zk2Lm/X9vTb4Rc+W8nYp3', 'HsJ6fQa1Bc2Dd3Ee4Ff'].join('');
const ACCESS_KEY = ['ASIAQ3EGZ7', 'PLXN4TRW6M'].join('');
const PASSWORD = 'Tr0ub4dor&3horse';
const CREDS = { aws_secret_access_key: SECRET_KEY, db_password: PASSWORD };
const STS = {
  Credentials: {
    AccessKeyId: ACCESS_KEY,
    SecretAccessKey: SECRET_KEY,
    Expiration: '2026-11-22T17:30:00Z',
  },
};

async function scan(file: string): Promise<ScanFinding[]> {
  const result = await runScan({
    paths: [file],
    engine: ENGINE,
    workers: 0,
    cwd: path.dirname(file),
    reveal: true,
    format: 'json',
  });
  if (!result.report) throw new Error(`scan failed: ${result.errors}`);
  return result.report.findings;
}

const where = (f: ScanFinding): string =>
  `${f.line} ${f.path.join('.')} ${f.role} ${f.ruleId} ${f.value ?? ''}`;

async function write(name: string, text: string): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, text);
  return file;
}

describe('JSON members scanned beside their names', () => {
  it('a JSON file: the key/value secrets the same text finds as a request body (the gateway)', async () => {
    const json = JSON.stringify(CREDS);
    const file = await scan(await write('creds.json', `${json}\n`));
    assert.deepEqual(file.map(where).sort(), [
      `1 aws_secret_access_key user secret.aws-secret-key ${SECRET_KEY}`,
      `1 db_password user secret.assignment ${PASSWORD}`,
    ]);
    // The same JSON text in a request body is one segment, scanned whole as the gateway does.
    const body = {
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: json }] }],
    };
    const gateway = await scan(await write('request.json', JSON.stringify(body)));
    assert.deepEqual(
      gateway.map((f) => `${f.ruleId} ${f.value}`).sort(),
      file.map((f) => `${f.ruleId} ${f.value}`).sort(),
    );
  });

  it('JSON text in a Claude Code tool result: found at the member it is in', async () => {
    const record = {
      type: 'user',
      uuid: 'u1',
      sessionId: 's',
      message: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 't1', content: JSON.stringify(CREDS) }],
      },
    };
    const found = await scan(await write('session.jsonl', `${JSON.stringify(record)}\n`));
    assert.deepEqual(found.map(where).sort(), [
      `1 message.content.0.content.aws_secret_access_key tool_result secret.aws-secret-key ${SECRET_KEY}`,
      `1 message.content.0.content.db_password tool_result secret.assignment ${PASSWORD}`,
    ]);
    assert.ok(found.every((f) => f.format === 'claude-code'));
  });

  it('a Codex function_call_output whose output is itself JSON', async () => {
    const output = JSON.stringify({
      output: JSON.stringify({ password: PASSWORD, aws_secret_access_key: SECRET_KEY }),
      metadata: { exit_code: 0 },
    });
    const records = [
      { timestamp: '2026-11-19T14:00:00.000Z', type: 'session_meta', payload: { id: 'x' } },
      {
        timestamp: '2026-11-19T14:00:01.000Z',
        type: 'response_item',
        payload: { type: 'function_call_output', call_id: 'c1', output },
      },
    ];
    const found = await scan(await write('rollout.jsonl', records.map((r) => JSON.stringify(r)).join('\n')));
    assert.deepEqual(found.map(where).sort(), [
      `2 payload.output.output.aws_secret_access_key tool_result secret.aws-secret-key ${SECRET_KEY}`,
      `2 payload.output.output.password tool_result secret.assignment ${PASSWORD}`,
    ]);
  });

  it('an AWS STS answer as a pretty-printed .json file: each key on its own line', async () => {
    const found = await scan(await write('sts.json', `${JSON.stringify(STS, null, 2)}\n`));
    assert.deepEqual(found.map(where), [
      `3 Credentials.AccessKeyId user secret.aws-access-key ${ACCESS_KEY}`,
      `4 Credentials.SecretAccessKey user secret.aws-secret-key ${SECRET_KEY}`,
    ]);
  });

  it('an AWS STS answer as a HAR response body', async () => {
    const har = {
      log: {
        version: '1.2',
        creator: { name: 't', version: '1' },
        entries: [
          {
            startedDateTime: '2026-11-22T16:30:00.000Z',
            request: { method: 'POST', url: 'https://sts.amazonaws.com/', headers: [] },
            response: {
              status: 200,
              headers: [],
              content: { mimeType: 'application/json', text: JSON.stringify(STS) },
            },
          },
        ],
      },
    };
    const found = await scan(await write('sts.har', JSON.stringify(har)));
    const at = 'log.entries.0.response.content.text.Credentials';
    assert.deepEqual(found.map(where), [
      `1 ${at}.AccessKeyId assistant secret.aws-access-key ${ACCESS_KEY}`,
      `1 ${at}.SecretAccessKey assistant secret.aws-secret-key ${SECRET_KEY}`,
    ]);
  });

  it('keeps values as parsed: Windows paths in JSON text are found unescaped, named or not', async () => {
    const args = JSON.stringify({
      command: 'type C:\\Users\\mkowalski\\notes.txt',
      workdir: 'C:\\Users\\mkowalski\\repos\\acme',
    });
    const record = {
      timestamp: '2026-11-19T14:00:01.000Z',
      type: 'response_item',
      payload: { type: 'function_call', name: 'shell', call_id: 'c1', arguments: args },
    };
    const found = await scan(await write('rollout.jsonl', `${JSON.stringify(record)}\n`));
    // --reveal shows a value JSON-escaped: one backslash of the value is two there.
    assert.deepEqual(found.map((f) => `${f.path.join('.')} ${f.kind} ${f.value}`).sort(), [
      `payload.arguments.command home-path ${revealValue('C:\\Users\\mkowalski')}`,
      `payload.arguments.workdir project-path ${revealValue('C:\\Users\\mkowalski\\repos\\acme')}`,
    ]);
  });

  it('leaves a member that a field rule reads whole as the value alone', async () => {
    const id = '0199a4c2-7b1e-7d30-9f4a-3c5d6e7f8a9b';
    const body = {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi there' }],
      prompt_cache_key: id,
      metadata: { session_id: id },
    };
    const found = await scan(await write('body.json', JSON.stringify(body)));
    assert.ok(found.length > 0);
    assert.ok(
      found.every((f) => f.value === id),
      found.map(where).join('\n'),
    );
  });

  it('asks for the name only where a rule keyword is in it', () => {
    const keys = keyContextFor();
    for (const name of ['content', 'text', 'command', 'file_path', 'old_string', 'output', 'stdout'])
      assert.equal(keys.wants(name), false, name);
    for (const name of ['password', 'db_password', 'SecretAccessKey', 'apiKey', 'hostname', 'cwd', 'auth'])
      assert.equal(keys.wants(name), true, name);
    // Field rules take these members' values whole, by their path.
    for (const name of ['user', 'session_id', 'prompt_cache_key'])
      assert.equal(keys.wants(name), false, name);
  });
});

describe("a policy's custom rule keyed on a member name", () => {
  // A rule that finds a value by the name it is given, as the built-in assignment rules do.
  // `acme_token` holds a built-in keyword (`token`) too; `acme_badge` holds none.
  const POLICY = `version: 1
custom_rules:
  - id: acme.token
    category: secret
    severity: critical
    pattern: 'acme_(?:token|badge)"?\\s*[:=]\\s*"?(?P<v>atk_[A-Za-z0-9]{16,})'
    keywords: [acme_token, acme_badge]
    samples: { tp: ['"acme_token": "atk_Q3EGZ7PLXN4TRW6M0a"'] }
`;
  const TOKEN = ['atk_Q3EGZ7PLXN4T', 'RW6M0a9b'].join('');
  const BADGE = ['atk_Zk2Lm9vTb4Rc', 'W8nYp3Hs'].join('');

  async function scanWithPolicy(file: string, workers = 0): Promise<ScanFinding[]> {
    const policy = path.join(path.dirname(file), 'airlock-policy.yaml');
    await writeFile(policy, POLICY);
    const result = await runScan({
      paths: [file],
      engine: ENGINE,
      policy,
      workers,
      cwd: path.dirname(file),
      reveal: true,
      format: 'json',
    });
    if (!result.report) throw new Error(`scan failed: ${result.errors}`);
    return result.report.findings.filter((f) => f.ruleId === 'acme.token');
  }

  it('finds the value beside its name in a .json file, a transcript and a HAR', async () => {
    const creds = { acme_token: TOKEN, acme_badge: BADGE, region: 'eu-west-1' };
    const json = await scanWithPolicy(await write('creds.json', JSON.stringify(creds, null, 2)));
    assert.deepEqual(json.map(where), [
      `2 acme_token user acme.token ${TOKEN}`,
      `3 acme_badge user acme.token ${BADGE}`,
    ]);
    // A worker thread makes the same engine, custom keywords included.
    assert.deepEqual(
      (await scanWithPolicy(await write('creds.json', JSON.stringify(creds, null, 2)), 1)).map(where),
      json.map(where),
    );

    const record = {
      type: 'assistant',
      uuid: 'a1',
      sessionId: 's',
      message: {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'Write', input: { file_path: 'x.json', ...creds } }],
      },
    };
    const transcript = await scanWithPolicy(await write('session.jsonl', `${JSON.stringify(record)}\n`));
    assert.deepEqual(transcript.map(where).sort(), [
      `1 message.content.0.input.acme_badge tool_use acme.token ${BADGE}`,
      `1 message.content.0.input.acme_token tool_use acme.token ${TOKEN}`,
    ]);

    const har = {
      log: {
        version: '1.2',
        creator: { name: 't', version: '1' },
        entries: [
          {
            startedDateTime: '2026-11-22T16:30:00.000Z',
            request: { method: 'POST', url: 'https://auth.acme.example/', headers: [] },
            response: {
              status: 200,
              headers: [],
              content: { mimeType: 'application/json', text: JSON.stringify(creds) },
            },
          },
        ],
      },
    };
    const capture = await scanWithPolicy(await write('auth.har', JSON.stringify(har)));
    assert.deepEqual(capture.map(where).sort(), [
      `1 log.entries.0.response.content.text.acme_badge assistant acme.token ${BADGE}`,
      `1 log.entries.0.response.content.text.acme_token assistant acme.token ${TOKEN}`,
    ]);
  });

  it('asks for the name where a custom keyword is in it, and only for the scan that has the rule', () => {
    assert.equal(keyContextFor(['acme_badge']).wants('acme_badge'), true);
    assert.equal(keyContextFor(['acme_badge']).wants('ACME_BADGE'), true);
    assert.equal(keyContextFor(['acme_badge']).wants('content'), false);
    assert.equal(keyContextFor().wants('acme_badge'), false);
  });
});

describe('lists of request bodies', () => {
  const body = {
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi there' }],
    user: 'alice.smith@acmecorp.io',
  };

  it('give the top-level user member the same role whatever the size of the list', async () => {
    const single = await findingsOf([await write('single.json', JSON.stringify(body))]);
    const small = await findingsOf([await write('small.json', JSON.stringify([body]))]);
    // Large enough to be read element by element (a JSON array larger than the sniffed head).
    const many = Array.from({ length: 3000 }, () => body);
    const large = await findingsOf([await write('large.json', JSON.stringify(many, null, 2))]);
    const view = (f: ScanFinding): string => `${f.path.join('.')} ${f.role} ${f.value}`;
    assert.deepEqual(single.map(view), ['user metadata alice.smith@acmecorp.io']);
    assert.deepEqual(small.map(view), ['0.user metadata alice.smith@acmecorp.io']);
    assert.deepEqual(large.map(view), ['0.user metadata alice.smith@acmecorp.io']);
    assert.equal(large[0]?.occurrences, 3000);
    assert.ok([...single, ...small, ...large].every((f) => f.format === 'json'));
  });
});
