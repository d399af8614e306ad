import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicPromptTools } from '../../src/dialects/anthropic-prompt-tools.js';
import { resolveDialect } from '../../src/dialects/index.js';
import { checkAnswerRoundTrip, checkOddShapes, checkRoundTrip } from './helpers.js';

const IMPROVE = JSON.stringify({
  task: 'a deploy helper for alice',
  system: [{ type: 'text', text: 'You help alice in /home/alice.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Deploy /home/alice/app' }] },
    { role: 'assistant', content: 'Deploying for alice' },
  ],
  feedback: 'name alice less',
  target_model: 'claude-sonnet-4-6',
});

const ANSWER = {
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'You work in /home/user/project-1.' }] },
    { role: 'assistant', content: 'Sure, /home/user/project-1' },
  ],
  system: 'In /home/user/project-1',
  variable_values: { DIR: '/home/user/project-1' },
  usage: [{ input_tokens: 1, output_tokens: 2 }],
};

describe('anthropic prompt tools', () => {
  it('routes the three tools, and nothing else under /v1/experimental', () => {
    for (const tool of ['generate_prompt', 'improve_prompt', 'templatize_prompt'])
      assert.equal(
        resolveDialect('anthropic', 'POST', `/v1/experimental/${tool}`).id,
        'anthropic-prompt-tools',
      );
    assert.equal(resolveDialect('anthropic', 'POST', '/v1/experimental/other').id, 'passthrough');
    assert.equal(resolveDialect('anthropic', 'GET', '/v1/experimental/generate_prompt').id, 'passthrough');
  });

  it('round-trips the task, system prompt, messages and feedback, each in its role', () => {
    const segs = checkRoundTrip(anthropicPromptTools, IMPROVE);
    assert.deepEqual(
      segs.map((s) => [s.path.join('.'), s.role]),
      [
        ['task', 'user'],
        ['system.0.text', 'system'],
        ['messages.0.content.0.text', 'user'],
        ['messages.1.content', 'assistant'],
        ['feedback', 'user'],
      ],
    );
    assert.equal(anthropicPromptTools.model(JSON.parse(IMPROVE), ''), 'claude-sonnet-4-6');
    checkOddShapes(anthropicPromptTools, IMPROVE);
  });

  it("lists the answer's prompt, system and variable values, each whole", () => {
    const fields = anthropicPromptTools.answerFields(structuredClone(ANSWER));
    assert.deepEqual(
      fields.map((f) => [f.channel, f.text]),
      [
        ['0:0', 'You work in /home/user/project-1.'],
        ['1', 'Sure, /home/user/project-1'],
        ['system', 'In /home/user/project-1'],
        ['var:DIR', '/home/user/project-1'],
      ],
    );
    assert.ok(fields.every((f) => f.whole === true && f.json === false));
    checkAnswerRoundTrip(anthropicPromptTools, ANSWER);
  });
});
