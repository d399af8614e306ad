/**
 * Member names are edited like values (a tool input keyed by file path), and JSON keeps one
 * member per name: edits that would make two names of one object alike refuse the request
 * instead of sending it with a member, and its value, gone unsaid.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import type { InspectResult } from '../../src/gateway/inspector.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy, policyFromText } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';

const TOKEN_A = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_B = 'ghp_zzcdefghijklmnopqrstuvwxyz0123456789';

async function inspect(input: Record<string, unknown>, policyText?: string): Promise<InspectResult> {
  const policy = policyText === undefined ? defaultPolicy() : policyFromText(policyText, 'policy.yaml');
  const inspector = createPolicyInspector({
    policy,
    engine: engineForPolicy(policy),
    vault: new MemoryVault(),
    key: Buffer.alloc(32, 5),
  });
  return inspector.inspect({
    provider: 'anthropic',
    dialect: anthropicMessages,
    method: 'POST',
    path: '/v1/messages',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json' },
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'save these' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Write', input }] },
      ],
    },
  });
}

describe('edited member names', () => {
  it('refuse a request whose stripped names would become one, naming the place but no value', async () => {
    const input = { '/home/dave': 'a', '/home/erin': 'b', [TOKEN_A]: 'c', [TOKEN_B]: 'd' };
    const r = await inspect(input, 'version: 1\ncategories: { environment: strip, secret: strip }\n');
    assert.equal(r.action, 'block', 'sent as {"": "d"}, three values gone');
    const message = r.action === 'block' ? r.message : '';
    assert.match(message, /two member names of one object the same name, in a tool call at messages\[1\]/);
    for (const value of ['/home/dave', '/home/erin', TOKEN_A, TOKEN_B])
      assert.ok(!message.includes(value), value);
    assert.ok((r.summary?.findings.length ?? 0) >= 4, 'the findings are still recorded');
  });

  it('refuse a name that a stripped zero-width space would make equal to its neighbour', async () => {
    const r = await inspect({ 'config\u200B': 'injected', config: 'real' });
    assert.equal(r.action, 'block');
  });

  it('go on as before when the edited names stay apart', async () => {
    const r = await inspect({ '/home/dave/a.ts': 'x', '/home/erin/b.ts': 'y', [TOKEN_A]: 'z' });
    assert.equal(r.action, 'forward', r.action === 'block' ? r.message : '');
    const sent = (r as { body?: { messages: { content: { input: Record<string, string> }[] }[] } }).body;
    const names = Object.keys(sent?.messages[1]?.content[0]?.input ?? {});
    assert.equal(names.length, 3, names.join());
    assert.ok(!names.some((n) => n.includes('/home/dave') || n.includes(TOKEN_A)), names.join());
  });
});
