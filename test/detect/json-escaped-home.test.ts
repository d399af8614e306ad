/**
 * A home directory written in JSON with escaped slashes (`\/home\/kpatel`: PHP's json_encode, a
 * JSON file the assistant read, inside a text) is replaced by the home's own surrogate escaped
 * the same way (`\/home\/user`), and put back in the answer as it was written: before, it took a
 * surrogate of its own, unescaped, and the answer's restoring wrote the escaped original into a
 * plain path the model used. (Homes only: an escaped project path still takes a surrogate of
 * its own, see generate.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import type { InspectResult } from '../../src/gateway/inspector.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';

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

describe('JSON-escaped home directories', () => {
  it('take the home surrogate escaped the same way, and each spelling comes back as written', async () => {
    const r = await inspect(
      'config.json holds {"root":"\\/home\\/kpatel\\/app"}; the repo is /home/kpatel/app',
    );
    assert.equal(r.sent, 'config.json holds {"root":"\\/home\\/user\\/app"}; the repo is /home/user/app');
    assert.equal(
      r.answer('Run it from /home/user/app, or set "root":"\\/home\\/user\\/app".'),
      'Run it from /home/kpatel/app, or set "root":"\\/home\\/kpatel\\/app".',
    );
  });

  it('are replaced and restored when the request holds no plain spelling', async () => {
    const r = await inspect('{"home":"\\/home\\/kpatel"}');
    assert.equal(r.sent, '{"home":"\\/home\\/user"}');
    assert.equal(r.answer('"\\/home\\/user" is /home/user'), '"\\/home\\/kpatel" is /home/kpatel');
  });
});
