/**
 * A generateContent body written as Google's REST examples write it (`system_instruction`,
 * `function_response`, `file_data`) through a whole Airlock: the API reads snake_case field
 * names as it reads camelCase ones, so what they hold is inspected and pseudonymized too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { leaks, plantedText, plantedValues } from '../helpers/planted.js';

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

test('a snake_case generateContent body is inspected', async () => {
  const body = {
    system_instruction: { parts: [{ text: plantedText(fe) }] },
    contents: [
      {
        role: 'user',
        parts: [
          { text: 'What does the tool say?' },
          { file_data: { file_uri: `gs://${fe.user}-notes/${fe.host}.txt` } },
        ],
      },
      { role: 'model', parts: [{ function_call: { name: 'read', args: { path: `${fe.project}/notes` } } }] },
      { role: 'user', parts: [{ function_response: { name: 'read', response: { text: plantedText(fe) } } }] },
    ],
    tools: [{ function_declarations: [{ name: 'read', description: `Reads files under ${fe.home}` }] }],
    generation_config: { max_output_tokens: 64 },
  };
  const res = await fetch(`${stack.via.gemini}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'gm-test' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(stack.sim.received.length, 1);
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
  const sent = JSON.parse(stack.sim.received[0]!.body.toString()) as typeof body;
  assert.deepEqual(Object.keys(sent), Object.keys(body), 'the body keeps its spelling');
});
