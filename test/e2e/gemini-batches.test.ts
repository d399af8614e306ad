/**
 * Gemini Batch Mode through a whole Airlock to the simulator: the requests of a batch
 * (`:batchGenerateContent`, `:asyncBatchEmbedContent`) are inspected as generateContent and
 * embedContent bodies are, so planted values never reach the provider; a policy that blocks
 * refuses the batch in Gemini's shape, and nothing leaves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { BLOCKING_CLIENT, BLOCKING_POLICY, leaks, plantedText, plantedValues } from '../helpers/planted.js';
import { asV1beta } from '../helpers/gemini-version.js';

let fe: FakeEnv;
let stack: AirlockStack;
let dir: string;
before(async () => {
  fe = makeFakeEnv();
  dir = mkdtempSync(join(tmpdir(), 'airlock-gemini-batches-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, BLOCKING_POLICY);
  stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { fe, policyFile });
});
after(async () => {
  await stack.close();
  fe.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => stack.sim.reset());

const genai = () => new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });

/** The one request the simulator received: its body, checked for planted values. */
function seenUpstream(path: RegExp): string {
  const received = stack.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  assert.match(asV1beta(received[0]!.path), path);
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
  return received[0]!.body.toString();
}

describe('Gemini Batch Mode', () => {
  test('batches.create with inlined requests: every request and its metadata pseudonymized', async () => {
    const text = plantedText(fe);
    const job = await genai().batches.create({
      model: 'gemini-2.5-flash',
      src: [
        {
          contents: [{ role: 'user', parts: [{ text }] }],
          config: { systemInstruction: `You help ${fe.user} in ${fe.project}.` },
          metadata: { key: 'req-1', origin: fe.host },
        },
        { contents: [{ role: 'user', parts: [{ text: `Summarise ${fe.project}/README.md` }] }] },
      ],
      config: { displayName: `nightly run of ${fe.user}` },
    });
    assert.match(job.name ?? '', /^batches\/\w+$/);
    assert.equal(job.state, 'JOB_STATE_PENDING');
    assert.equal(job.displayName, `nightly run of ${fe.user}`, 'the echoed display name is restored');
    const body = seenUpstream(/^\/v1beta\/models\/gemini-2\.5-flash:batchGenerateContent$/);
    assert.match(body, /"inputConfig":\{"requests":\{"requests":\[\{"request":\{/);
    assert.match(body, /Working directory: \/home\/user\//, 'the provider saw a home-shaped surrogate');
    assert.match(body, /"key":"req-1"/, 'metadata without findings is left as it is');
  });

  test('batches.createEmbeddings (:asyncBatchEmbedContent): every content pseudonymized', async () => {
    const job = await genai().batches.createEmbeddings({
      model: 'gemini-embedding-001',
      src: { inlinedRequests: { contents: [plantedText(fe), `notes on ${fe.project}`] } },
      config: { displayName: 'embeddings' },
    });
    assert.match(job.name ?? '', /^batches\/\w+$/);
    const body = seenUpstream(/^\/v1beta\/models\/gemini-embedding-001:asyncBatchEmbedContent$/);
    assert.match(body, /"parts":\[\{"text":"Working directory: \/home\/user\//);
  });

  for (const action of ['batchGenerateContent', 'asyncBatchEmbedContent']) {
    test(`:${action} in snake_case is inspected too, and blocking refuses it in Gemini's shape`, async () => {
      const request =
        action === 'batchGenerateContent'
          ? { contents: [{ parts: [{ text: plantedText(fe) }] }] }
          : { content: { parts: [{ text: plantedText(fe) }] } };
      const send = (userAgent: string) =>
        fetch(`${stack.via.gemini}/v1beta/models/m:${action}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-goog-api-key': 'gm-test',
            'user-agent': userAgent,
          },
          body: JSON.stringify({
            batch: { display_name: 'b', input_config: { requests: { requests: [{ request }] } } },
          }),
        });
      const blocked = await send(BLOCKING_CLIENT);
      assert.equal(blocked.status, 403);
      const error = (await blocked.json()) as { error: { code: number; status: string; message: string } };
      assert.equal(error.error.code, 403);
      assert.equal(error.error.status, 'PERMISSION_DENIED');
      assert.match(
        error.error.message,
        /secret\.openai-key.*input_config\.requests\.requests\[0\]\.request/s,
      );
      assert.deepEqual(stack.sim.received, [], 'nothing reached the provider');

      const allowed = await send('curl/8');
      assert.equal(allowed.status, 200, await allowed.text());
      seenUpstream(new RegExp(`:${action}$`));
    });
  }
});
