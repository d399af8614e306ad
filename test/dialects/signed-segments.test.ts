/**
 * Text the provider signed comes back to it as a segment marked `signed`, so that the policy
 * leaves what the model wrote of its own as it wrote it (src/policy/inspector.ts); a signature
 * where no provider puts one (a user's turn, an empty one) marks nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import { gemini } from '../../src/dialects/gemini.js';
import type { Segment } from '../../src/dialects/types.js';

const signedPaths = (segs: readonly Segment[]) => segs.filter((s) => s.signed).map((s) => s.path.join('.'));

describe('signed segments', () => {
  it("Anthropic: an assistant's thinking block with a signature", () => {
    const body = {
      model: 'claude-sonnet-4-6',
      messages: [
        { role: 'user', content: [{ type: 'thinking', thinking: 'user-made', signature: 'c2ln' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'signed', signature: 'c2ln' },
            { type: 'thinking', thinking: 'unsigned', signature: '' },
            { type: 'thinking', thinking: 'no signature' },
            { type: 'text', text: 'answer', signature: 'c2ln' },
          ],
        },
      ],
    };
    const segs = anthropicMessages.segments(body);
    assert.deepEqual(signedPaths(segs), ['messages.1.content.0.thinking']);
    for (const text of ['user-made', 'unsigned', 'no signature', 'answer'])
      assert.ok(
        segs.some((s) => s.text === text && !s.signed),
        `${text} is inspected as any text`,
      );
  });

  it("Gemini: every text of a model's part with a thoughtSignature", () => {
    const body = {
      contents: [
        { role: 'user', parts: [{ text: 'user-made', thoughtSignature: 'c2ln' }] },
        {
          role: 'model',
          parts: [
            { text: 'a thought', thought: true, thoughtSignature: 'c2ln' },
            { functionCall: { name: 'run', args: { command: 'ls ~/src' } }, thoughtSignature: 'c2ln' },
            { text: 'unsigned' },
            { text: 'empty', thoughtSignature: '' },
          ],
        },
      ],
    };
    const segs = gemini.segments(body);
    assert.deepEqual(signedPaths(segs), [
      'contents.1.parts.0.text',
      'contents.1.parts.1.functionCall.args.command',
      'contents.1.parts.1.functionCall.args', // the member name `command`
    ]);
    for (const text of ['user-made', 'unsigned', 'empty'])
      assert.ok(
        segs.some((s) => s.text === text && !s.signed),
        `${text} is inspected as any text`,
      );
  });
});
