/**
 * One user message through the default policy (Anthropic Messages, a memory vault), as the
 * gateway inspects it: what leaves, the rules of the findings, and the restorer of its answer.
 * For tests of a detection rule and the surrogates it leads to, without a gateway.
 */
import assert from 'node:assert/strict';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import { createEngine } from '../../src/detect/engine.js';
import type { InspectResult } from '../../src/gateway/inspector.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';

export interface InspectedMessage {
  /** The whole body that would leave, as sent. */
  body: string;
  /** The message's text in it. */
  sent: string;
  /** The rule of each finding, in order. */
  rules: string[];
  /** `text` as an answer's text block, restored. */
  answer(text: string): string;
}

export async function inspectUserMessage(
  text: string,
  options: { key?: Buffer; headers?: Record<string, string> } = {},
): Promise<InspectedMessage> {
  const body = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] };
  const policy = defaultPolicy();
  const inspector = createPolicyInspector({
    policy,
    engine: engineForPolicy(policy),
    vault: new MemoryVault(),
    key: options.key ?? Buffer.alloc(32, 9),
  });
  const r = await inspector.inspect({
    provider: 'anthropic',
    dialect: anthropicMessages,
    method: 'POST',
    path: '/v1/messages',
    query: new URLSearchParams(),
    headers: { 'anthropic-version': '2023-06-01', ...options.headers },
    body,
  });
  assert.equal(r.action, 'forward');
  const f = r as Extract<InspectResult, { action: 'forward' }>;
  const sent = f.bodyBytes ? f.bodyBytes.toString('utf8') : JSON.stringify(f.body ?? body);
  return {
    body: sent,
    sent: (JSON.parse(sent) as { messages: { content: string }[] }).messages[0]!.content,
    rules: f.summary.findings.map((d) => d.finding.ruleId),
    answer(t) {
      const a = { type: 'message', role: 'assistant', content: [{ type: 'text', text: t }] };
      f.restorer?.json(a);
      return a.content[0]!.text;
    },
  };
}

const engine = createEngine();

/** `<rule> <value>` for each finding of the built-in engine in one user message. */
export function findingsIn(text: string): string[] {
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'user', text }])
    .map((f) => `${f.ruleId} ${text.slice(f.start, f.end)}`);
}
