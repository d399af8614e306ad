/**
 * Gemini's :streamGenerateContent without alt=sse through the full pipeline: the answer, one
 * JSON array sent element by element, reaches the client as it is produced (not after its last
 * element) and with the real path where the provider wrote the surrogate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import {
  echoProject,
  geminiArrayText,
  type GeminiChunk,
  PROJECT,
  PROMPT,
} from '../helpers/echoed-project.js';

test('a streamed JSON array is restored element by element and not held until its end', async () => {
  const stack = await startAirlockStack({
    script: echoProject({ pacingMs: 15 }),
  });
  try {
    const res = await request(`${stack.via.gemini}/v1beta/models/gemini-2.5-pro:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: PROMPT }] }],
      }),
    });
    assert.equal(res.statusCode, 200);
    const reads: Buffer[] = [];
    for await (const chunk of res.body) reads.push(chunk as Buffer);
    const sent = stack.sim.received.at(-1)!.body.toString();
    assert.ok(!sent.includes(PROJECT), 'the provider saw a surrogate, not the path');
    // Paced 15 ms apart, the elements arrive in separate reads: a gateway that collected the
    // answer to restore it whole would send it in one.
    assert.ok(reads.length >= 5, `${reads.length} reads`);
    const text = geminiArrayText(JSON.parse(Buffer.concat(reads).toString('utf8')) as GeminiChunk[]);
    assert.equal(text, `Your project: ${PROJECT} ok.`);
  } finally {
    await stack.close();
  }
});
