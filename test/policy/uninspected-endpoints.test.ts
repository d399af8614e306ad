/**
 * `uninspected_endpoints` (allow | block): what becomes of a body sent to an endpoint Airlock
 * does not inspect. Its default keeps the behavior of before the key (allow), `airlock policy
 * check` takes it at the top and in scopes and names the line and column of a wrong value, the
 * first matching scope that sets it decides, and the inspector refuses such a body only under
 * enforce.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveDialect } from '../../src/dialects/index.js';
import type { InspectRequest } from '../../src/gateway/inspector.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { DEFAULT_POLICY_YAML } from '../../src/policy/default.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'airlock-uninspected-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `airlock policy check FILE`, the real command. */
function policyCheck(text: string): { status: number | null; stdout: string; stderr: string; file: string } {
  const file = join(dir, `p-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'policy', 'check', file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, file };
}

const compiled = (yaml: string) => compilePolicy(parsePolicy(yaml, 'p.yaml'), 'p.yaml');

describe('uninspected_endpoints in the policy file', () => {
  it('defaults to allow, as the commented default file says', () => {
    assert.equal(defaultPolicy().policy.uninspected_endpoints, 'allow');
    assert.match(DEFAULT_POLICY_YAML, /^uninspected_endpoints: allow$/m);
    assert.equal(parsePolicy(DEFAULT_POLICY_YAML, 'default.yaml').uninspected_endpoints, 'allow');
    // A file written before the key existed keeps forwarding such bodies.
    assert.equal(parsePolicy('mode: enforce\n', 'old.yaml').uninspected_endpoints, 'allow');
    assert.deepEqual(defaultPolicy().forRequest('openai', 'OpenAI/JS 7.59.0').uninspectedEndpoints, {
      action: 'allow',
      because: 'uninspected_endpoints',
    });
  });

  it('airlock policy check accepts it at the top and in a scope', () => {
    const r = policyCheck(
      'uninspected_endpoints: block\nscopes:\n  - match: { provider: [openai] }\n    uninspected_endpoints: allow\n',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid/);
  });

  it('airlock policy check refuses a wrong value with its line and column, and says the right ones', () => {
    const top = policyCheck('mode: enforce\nuninspected_endpoints: deny\n');
    assert.equal(top.status, 1);
    assert.match(
      top.stderr,
      new RegExp(`^${escape(top.file)}:2:1: uninspected_endpoints: .*"allow".*"block"`),
    );
    const scoped = policyCheck('scopes:\n  - match: { client: [x/*] }\n    uninspected_endpoints: true\n');
    assert.equal(scoped.status, 1);
    assert.match(
      scoped.stderr,
      new RegExp(`^${escape(scoped.file)}:3:5: scopes\\.0\\.uninspected_endpoints: `),
    );
  });

  it('the first matching scope that sets it decides, then the top level', () => {
    const p = compiled(
      'uninspected_endpoints: block\n' +
        'scopes:\n' +
        '  - match: { provider: [openai] }\n' +
        '    categories: { pii: audit }\n' +
        "  - match: { client: ['bot/*'] }\n" +
        '    uninspected_endpoints: allow\n' +
        '  - match: { provider: [openai] }\n' +
        '    uninspected_endpoints: block\n',
    );
    assert.deepEqual(p.forRequest('openai', 'bot/1.0').uninspectedEndpoints, {
      action: 'allow',
      because: 'scopes[1].uninspected_endpoints',
    });
    assert.deepEqual(p.forRequest('openai', 'other/1.0').uninspectedEndpoints, {
      action: 'block',
      because: 'scopes[2].uninspected_endpoints',
    });
    assert.deepEqual(p.forRequest('gemini', 'other/1.0').uninspectedEndpoints, {
      action: 'block',
      because: 'uninspected_endpoints',
    });
  });
});

describe('the policy inspector and an uninspected body', () => {
  const request = (over: Partial<InspectRequest> = {}): InspectRequest => ({
    provider: 'openai',
    dialect: resolveDialect('openai', 'POST', '/v1/moderations'),
    method: 'POST',
    path: '/v1/moderations',
    query: new URLSearchParams(),
    headers: { 'user-agent': 'OpenAI/JS 7.59.0', 'content-type': 'application/json' },
    body: undefined,
    uninspectedBody: { field: 'body', type: 'application/json', bytes: 42 },
    ...over,
  });
  const inspector = (yaml: string) => {
    const policy = compiled(yaml);
    return createPolicyInspector({
      policy,
      engine: engineForPolicy(policy),
      vault: new MemoryVault(),
      key: Buffer.alloc(32, 7),
    });
  };

  it('block refuses it, naming the endpoint, the entry and the file', async () => {
    const result = await inspector('uninspected_endpoints: block\n').inspect(request());
    assert.equal(result.action, 'block');
    assert.ok(result.action === 'block');
    assert.equal(result.code, 'AIRLOCK_UNINSPECTED_BLOCKED');
    assert.match(result.message, /^the body of POST \/openai\/v1\/moderations would leave uninspected/);
    assert.match(result.message, /policy entry uninspected_endpoints says block/);
    assert.match(result.message, /in p\.yaml set uninspected_endpoints to allow/);
  });

  it('allow, monitor, and a request without such a body go on', async () => {
    assert.equal((await inspector('uninspected_endpoints: allow\n').inspect(request())).action, 'forward');
    const monitored = await inspector('mode: monitor\nuninspected_endpoints: block\n').inspect(request());
    assert.equal(monitored.action, 'forward');
    assert.equal(monitored.summary.mode, 'monitor');
    const block = inspector('uninspected_endpoints: block\n');
    assert.equal((await block.inspect(request({ uninspectedBody: undefined }))).action, 'forward');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
