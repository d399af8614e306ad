import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openaiEmbeddings } from '../../src/dialects/openai-embeddings.js';
import { checkOddShapes, checkRoundTrip } from './helpers.js';

const paths = (segs: { path: readonly (string | number)[] }[]) => segs.map((s) => s.path.join('.'));

const BATCH = JSON.stringify({
  model: 'text-embedding-3-small',
  input: [
    'Working directory: /home/alice/acme-api',
    'def main():\n    return "alice"',
    'AWS_SECRET_ACCESS_KEY for alice',
  ],
  encoding_format: 'float',
  dimensions: 256,
  user: 'alice@acme.example',
});

describe('openai-embeddings requests', () => {
  it('round-trips a list of inputs and the user id', () => {
    const segs = checkRoundTrip(openaiEmbeddings, BATCH);
    assert.deepEqual(paths(segs), ['input.0', 'input.1', 'input.2', 'user']);
    assert.deepEqual(
      segs.map((s) => s.role),
      ['user', 'user', 'user', 'metadata'],
    );
  });

  it('round-trips a single input', () => {
    const segs = checkRoundTrip(
      openaiEmbeddings,
      JSON.stringify({ model: 'text-embedding-3-large', input: 'cd /home/alice/acme-api' }),
    );
    assert.deepEqual(paths(segs), ['input']);
  });

  it('has nothing to inspect in token arrays', () => {
    assert.deepEqual(openaiEmbeddings.segments({ model: 'm', input: [1, 2, 3] }), []);
    assert.deepEqual(openaiEmbeddings.segments({ model: 'm', input: [[1, 2], [3]] }), []);
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(openaiEmbeddings, BATCH);
  });

  it('reads the model, never streams, and has no answer text to restore', () => {
    const body: unknown = JSON.parse(BATCH);
    assert.equal(openaiEmbeddings.model(body, '/v1/embeddings'), 'text-embedding-3-small');
    assert.equal(
      openaiEmbeddings.streaming(
        { ...(body as object), stream: true },
        '/v1/embeddings',
        new URLSearchParams(),
      ),
      false,
    );
    const answer = {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.0023064255, -0.009327292] },
        { object: 'embedding', index: 1, embedding: 'AAAAPwAAgD8=' },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    };
    assert.deepEqual(openaiEmbeddings.answerFields(answer), []);
  });
});
