/**
 * The audit row's path keeps the query parameters that say what was asked (`?alt=sse`,
 * `?beta=true`) and never a key given in the query.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { startAirlockStack } from '../helpers/airlock-stack.js';

const KEY = 'AIzaSyPLANTEDqueryKEY0123456789abcdefgh';

test('a request path is recorded with its harmless parameters and without ?key=, inspected or not', async () => {
  const stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
  try {
    const gemini = await request(
      `${stack.via.gemini}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${KEY}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      },
    );
    assert.equal(gemini.statusCode, 200);
    await gemini.body.text();
    const anthropic = await request(`${stack.via.anthropic}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(anthropic.statusCode, 200);
    await anthropic.body.text();
    // A request no dialect inspects is recorded all the same.
    const models = await request(`${stack.via.openai}/models?limit=5`, { method: 'GET' });
    await models.body.text();
    await stack.airlock.recorder.flush();
    const paths = (await stack.airlock.store.query({ kind: 'request' })).events.map((e) => e.path);
    assert.ok(paths.includes('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'), paths.join());
    assert.ok(paths.includes('/v1/messages?beta=true'), paths.join());
    assert.ok(paths.includes('/v1/models?limit=5'), paths.join());
    assert.ok(!paths.some((p) => p?.includes(KEY) || p?.includes('key=')), 'no key in the log');
  } finally {
    await stack.close();
  }
});
