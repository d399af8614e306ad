/**
 * A home directory percent-encoded in a URL or a query string (%2Fhome%2Falice) is a home path:
 * found in either hex case, replaced by the home's own surrogate encoded the same way, and put
 * back in the answer. Checked through the engine and the policy inspector.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import { createEngine } from '../../src/detect/engine.js';
import type { InspectResult } from '../../src/gateway/inspector.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';

const engine = createEngine();
const found = (text: string): string[] =>
  engine
    .scan([{ path: ['messages', 0, 'content'], role: 'user', text }])
    .map((f) => `${f.ruleId} ${text.slice(f.start, f.end)}`);

async function inspect(text: string): Promise<{ sent: string; answer: (t: string) => string }> {
  const body = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] };
  const policy = defaultPolicy();
  const inspector = createPolicyInspector({
    policy,
    engine: engineForPolicy(policy),
    vault: new MemoryVault(),
    key: Buffer.alloc(32, 9),
  });
  const r = await inspector.inspect({
    provider: 'anthropic',
    dialect: anthropicMessages,
    method: 'POST',
    path: '/v1/messages',
    query: new URLSearchParams(),
    headers: { 'anthropic-version': '2023-06-01' },
    body,
  });
  assert.equal(r.action, 'forward');
  const f = r as Extract<InspectResult, { action: 'forward' }>;
  const sent = f.bodyBytes ? f.bodyBytes.toString('utf8') : JSON.stringify(f.body ?? body);
  return {
    sent: (JSON.parse(sent) as { messages: { content: string }[] }).messages[0]!.content,
    answer: (t) => {
      const a = { type: 'message', role: 'assistant', content: [{ type: 'text', text: t }] };
      f.restorer?.json(a);
      return a.content[0]!.text;
    },
  };
}

describe('percent-encoded home directories', () => {
  it('are found in a URL or a query string, either hex case', () => {
    assert.deepEqual(found('GET /open?path=%2Fhome%2Falice%2Fproj HTTP/1.1'), [
      'env.home-path-percent %2Fhome%2Falice',
    ]);
    assert.deepEqual(found('https://ci.acme.io/x?dir=%2fUsers%2fjsmith%2fsrc'), [
      'env.home-path-percent %2fUsers%2fjsmith',
    ]);
    assert.deepEqual(found('?p=%2Fhome%2Fuser%2Fproject and %2Fhome%2F%24USER'), []);
  });

  it('take the home surrogate in the same encoding, and come back in the answer', async () => {
    const r = await inspect(
      'cd /home/alice, then open http://127.0.0.1:8/?d=%2Fhome%2Falice%2Fx&e=%2fhome%2falice',
    );
    assert.equal(
      r.sent,
      'cd /home/user, then open http://127.0.0.1:8/?d=%2Fhome%2Fuser%2Fx&e=%2fhome%2fuser',
    );
    assert.equal(
      r.answer('Open ?d=%2Fhome%2Fuser%2Fy or %2fhome%2fuser'),
      'Open ?d=%2Fhome%2Falice%2Fy or %2fhome%2falice',
    );
  });

  it('are replaced and restored when the request holds no plain home', async () => {
    const r = await inspect('curl "http://127.0.0.1:8/files?path=%2FUsers%2Fjnowak%2Fwork"');
    assert.equal(r.sent, 'curl "http://127.0.0.1:8/files?path=%2FUsers%2Fuser%2Fwork"');
    assert.equal(r.answer('see %2FUsers%2Fuser%2Fwork'), 'see %2FUsers%2Fjnowak%2Fwork');
  });
});
