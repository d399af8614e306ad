import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openaiConversations } from '../../src/dialects/openai-conversations.js';
import { openaiResponses } from '../../src/dialects/openai-responses.js';
import { checkAnswerRoundTrip, checkOddShapes, checkRoundTrip, loadFixture } from './helpers.js';

const codex = JSON.parse(loadFixture('openai-responses-codex.json')) as { input: unknown[] };
const CREATE = JSON.stringify({
  items: [
    ...codex.input,
    { type: 'message', role: 'user', content: 'Open /home/alice/acme-api/README.md' },
    { type: 'function_call_output', call_id: 'call_1', output: 'cwd: /home/alice' },
  ],
  metadata: { topic: 'acme-api of alice' },
});

describe('openai-conversations requests', () => {
  it('lists the items as openai-responses lists input items, and the metadata values', () => {
    const segs = checkRoundTrip(openaiConversations, CREATE);
    const body = JSON.parse(CREATE) as { items: unknown[] };
    const asInput = openaiResponses.segments({ input: body.items });
    const items = segs.filter((s) => s.path[0] === 'items');
    assert.deepEqual(
      items.map((s) => ({ ...s, path: s.path.slice(1) })),
      asInput.map((s) => ({ ...s, path: s.path.slice(1) })),
    );
    assert.ok(items.length > 3);
    assert.deepEqual(
      segs.filter((s) => s.path[0] === 'metadata').map((s) => [s.path.join('.'), s.role]),
      [['metadata.topic', 'metadata']],
    );
  });

  it('lists the metadata of an update alone', () => {
    const segs = checkRoundTrip(openaiConversations, JSON.stringify({ metadata: { a: 'alice', b: 'x' } }));
    assert.deepEqual(
      segs.map((s) => s.text),
      ['alice', 'x'],
    );
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(openaiConversations, CREATE);
  });

  it('restores the items it lists back and the metadata of a conversation', () => {
    const list = {
      object: 'list',
      data: [
        {
          id: 'msg_1',
          type: 'message',
          role: 'user',
          status: 'completed',
          content: [{ type: 'input_text', text: 'Open /home/user/project-1' }],
        },
        {
          id: 'fc_1',
          type: 'function_call',
          call_id: 'c',
          name: 'shell',
          arguments: '{"cmd":"ls /home/user"}',
        },
      ],
      first_id: 'msg_1',
      last_id: 'fc_1',
      has_more: false,
    };
    assert.deepEqual(
      openaiConversations.answerFields(list).map((f) => f.text),
      ['Open /home/user/project-1', '{"cmd":"ls /home/user"}'],
    );
    checkAnswerRoundTrip(openaiConversations, list);
    const conversation = { id: 'conv_1', object: 'conversation', created_at: 1, metadata: { topic: 'x' } };
    assert.deepEqual(
      openaiConversations.answerFields(conversation).map((f) => f.text),
      ['x'],
    );
    checkAnswerRoundTrip(openaiConversations, conversation);
    assert.equal(
      openaiConversations.streaming({ stream: true }, '/v1/conversations', new URLSearchParams()),
      false,
    );
  });
});
