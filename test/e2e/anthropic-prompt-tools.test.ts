/**
 * Anthropic's experimental prompt tools (generate_prompt, improve_prompt, templatize_prompt),
 * which @anthropic-ai/sdk has no method for, sent with its `client.post` through a whole Airlock
 * to the simulator: the task, messages, system prompt and feedback leave pseudonymized, the
 * prompt the answer holds comes back restored, and the audit event lists the findings and
 * nothing as uninspected.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { AuditEvent } from '../../src/audit/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

const HOME = '/home/alice/acme-api';
const AWS_KEY = 'AKIAZ7QK3M2N4P5R6T7V';
const PLANTED = [HOME, AWS_KEY, 'alice'];
const BETA = { 'anthropic-beta': 'prompt-tools-2025-04-02' };

let stack: AirlockStack;
before(async () => {
  stack = await startAirlockStack({
    script: {
      reply: [
        { text: 'You work in ' },
        { text: { fromRequest: 'in (/home/\\S+?)[.\\s]', fallback: 'nothing' } },
        { text: '.' },
      ],
    },
  });
});
after(() => stack.close());
beforeEach(() => stack.sim.reset());

const anthropic = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });

interface Prompt {
  messages: { role: string; content: { type: string; text: string }[] }[];
  system: string;
  variable_values?: Record<string, string>;
}

/** The one request the simulator received, with no planted value in it; its body as text. */
function seenUpstream(path: string): string {
  const received = stack.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  const rec = received[0]!;
  assert.equal(rec.path, path);
  const everything = `${rec.path}\n${JSON.stringify(rec.headers)}\n${rec.body.toString()}`;
  assert.deepEqual(
    PLANTED.filter((v) => everything.includes(v)).map((v) => `${v.slice(0, 8)}…`),
    [],
    'planted values reached the provider',
  );
  return rec.body.toString();
}

async function lastEvent(path: string): Promise<AuditEvent> {
  await stack.airlock.recorder.flush();
  const { events } = await stack.airlock.store.query({ kind: 'request', limit: 20 });
  const event = events.find((e) => e.path === path);
  assert.ok(event, `no audit event for ${path}`);
  return event;
}

test('generate_prompt: the task leaves pseudonymized, the generated prompt comes back restored', async () => {
  const prompt: Prompt = await anthropic().post('/v1/experimental/generate_prompt', {
    body: { task: `a deploy helper in ${HOME}. AWS key ${AWS_KEY}`, target_model: 'claude-sonnet-4-6' },
    headers: BETA,
  });
  assert.equal(prompt.messages[0]?.content[0]?.text, `You work in ${HOME}.`);
  const body = seenUpstream('/v1/experimental/generate_prompt');
  assert.match(body, /"task":"a deploy helper in \/home\/\w+/);
  const event = await lastEvent('/v1/experimental/generate_prompt');
  assert.equal(event.dialect, 'anthropic-prompt-tools');
  assert.equal(event.uninspected, undefined);
  assert.deepEqual(
    [...new Set(event.findings.filter((f) => f.role !== 'header').map((f) => f.path))],
    ['$.task'],
  );
  assert.ok(event.findings.some((f) => /aws/i.test(f.ruleId)));
});

test('improve_prompt and templatize_prompt: messages, system and feedback are inspected', async () => {
  for (const tool of ['improve_prompt', 'templatize_prompt']) {
    stack.sim.reset();
    const path = `/v1/experimental/${tool}`;
    const prompt: Prompt = await anthropic().post(path, {
      body: {
        system: `You deploy in ${HOME}.`,
        messages: [{ role: 'user', content: [{ type: 'text', text: `Deploy ${HOME} with ${AWS_KEY}` }] }],
        ...(tool === 'improve_prompt' ? { feedback: `Mention ${HOME} twice` } : {}),
      },
      headers: BETA,
    });
    assert.equal(prompt.messages[0]?.content[0]?.text, `You work in ${HOME}.`);
    if (tool === 'templatize_prompt') assert.deepEqual(prompt.variable_values, {});
    seenUpstream(path);
    const event = await lastEvent(path);
    const paths = new Set(event.findings.map((f) => f.path));
    for (const p of [
      '$.system',
      '$.messages[0].content[0].text',
      ...(tool === 'improve_prompt' ? ['$.feedback'] : []),
    ])
      assert.ok(paths.has(p), `${tool}: no finding at ${p}: ${[...paths].join(', ')}`);
  }
});
