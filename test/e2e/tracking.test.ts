/** An opaque id that a client repeats in every request is recognised as a tracking id and replaced. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { postAnthropicMessages } from '../helpers/stack.js';

test('the same opaque id in the system prompt of every request stops leaving after the third request', async () => {
  const stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
  const id = 'q7Zk29XvLm4TnB8wRc5YdH3s';
  try {
    const send = (turn: number) =>
      postAnthropicMessages(stack.via, {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        system: `You are a helpful assistant. Client build token: ${id}`,
        messages: [{ role: 'user', content: `Question number ${turn}` }],
      }).then((r) => r.text());
    for (let turn = 1; turn <= 5; turn++) await send(turn);
    const seen = stack.sim.received.map((r) => r.body.toString().includes(id));
    assert.equal(seen[0], true, 'a first sighting is not yet a tracking id');
    assert.deepEqual(seen.slice(3), [false, false], 'from the threshold on, the id is replaced');
  } finally {
    await stack.close();
  }
});
