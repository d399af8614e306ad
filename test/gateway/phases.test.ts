/** The gateway's step marks (src/gateway/phases.ts): every step, in order, per exchange. */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { PHASE_CHANNEL, type PhaseMark } from '../../src/gateway/phases.js';
import { postAnthropicMessages, startStack, type Stack } from '../helpers/stack.js';

describe('gateway step marks', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const post = (stream: boolean) =>
    postAnthropicMessages(stack.via, {
      model: 'm',
      max_tokens: 8,
      stream,
      messages: [{ role: 'user', content: 'hi' }],
    });

  test('every step of a forwarded exchange, in order, with rising times', async () => {
    for (const stream of [false, true]) {
      const marks: PhaseMark[] = [];
      const listener = (m: unknown) => marks.push(m as PhaseMark);
      subscribe(PHASE_CHANNEL, listener);
      try {
        const res = await post(stream);
        assert.equal(res.status, 200);
        await res.text();
        // 'finished' is marked when the last byte is handed to the socket, possibly after the
        // client has read it: wait for it.
        for (let i = 0; i < 100 && !marks.some((m) => m.phase === 'finished'); i++)
          await new Promise((r) => setTimeout(r, 5));
      } finally {
        unsubscribe(PHASE_CHANNEL, listener);
      }
      const id = marks[0]!.exchange;
      assert.ok(
        marks.every((m) => m.exchange === id),
        'one exchange',
      );
      assert.deepEqual(
        marks.map((m) => m.phase),
        [
          'received',
          'read',
          'parsed',
          'inspected',
          'forwarded',
          'answered',
          'answer-end',
          'settled',
          'reported',
          'finished',
        ],
        stream ? 'SSE' : 'JSON',
      );
      for (let i = 1; i < marks.length; i++) assert.ok(marks[i]!.at >= marks[i - 1]!.at);
    }
  });
});
