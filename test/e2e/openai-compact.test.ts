/**
 * OpenAI's conversation compaction (`POST /v1/responses/compact`, what Codex calls to make a long
 * session short) through a whole Airlock to the simulator, with the official SDK. The request is
 * the whole history in a Responses body: it is inspected like one, so planted values never reach
 * the provider, and the user messages the compacted answer keeps come back restored (but for
 * secrets, as in any answer's text), so the client's next turns hold the real values and are
 * pseudonymized alike, rather than holding surrogates.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { leaks, PLANTED_KEY, plantedText, plantedValues } from '../helpers/planted.js';

let fe: FakeEnv;
let stack: AirlockStack;
before(async () => {
  fe = makeFakeEnv();
  stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { fe });
});
after(async () => {
  await stack.close();
  fe.cleanup();
});
beforeEach(() => stack.sim.reset());

describe('OpenAI conversation compaction', () => {
  test('responses.compact: the history pseudonymized, the kept user messages restored', async () => {
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
    const first = plantedText(fe);
    const later = `Now run the tests in ${fe.project}.`;
    const compacted = await openai.responses.compact({
      model: 'gpt-5.6-sol',
      instructions: `You work for ${fe.user} on ${fe.host}.`,
      input: [
        { role: 'user', content: first },
        { role: 'assistant', content: `I read ${fe.project}/README.md.` },
        {
          type: 'function_call_output',
          call_id: 'call_1',
          output: `export OPENAI_API_KEY=${PLANTED_KEY}\ncd ${fe.project}`,
        },
        { role: 'user', content: [{ type: 'input_text', text: later }] },
      ],
    });

    const received = stack.sim.received;
    assert.deepEqual(
      received.map((r) => r.path),
      ['/v1/responses/compact'],
    );
    assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
    assert.match(received[0]!.body.toString(), /\/home\/user\//, 'the provider saw a home-shaped surrogate');

    assert.equal(compacted.object, 'response.compaction');
    const kept = compacted.output
      .filter((item) => item.type === 'message')
      .map((item) => item.content.map((part) => ('text' in part ? part.text : '')).join(''));
    // A secret is restored only into tool-call arguments (restore_secrets_in_tool_calls): in a
    // message it stays the stand-in the provider saw, as in any answer's text.
    const [keptFirst, keptLater] = kept;
    assert.equal(kept.length, 2);
    assert.equal(keptLater, later, 'the kept user messages hold the real values again');
    assert.equal(keptFirst?.split('OPENAI_API_KEY=')[0], first.split('OPENAI_API_KEY=')[0]);
    assert.ok(!keptFirst?.includes(PLANTED_KEY), 'the secret stays redacted');
    assert.equal(compacted.output.at(-1)?.type, 'compaction');

    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request', limit: 5 });
    const event = events.find((e) => e.path === '/v1/responses/compact');
    assert.equal(event?.decision, 'pseudonymize');
    assert.ok((event?.findings.length ?? 0) > 0, 'the findings are in the audit log');
  });
});
