import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gemini } from '../../src/dialects/gemini.js';
import { geminiBatchEmbed, geminiBatchGenerate } from '../../src/dialects/gemini-batches.js';
import { geminiEmbed } from '../../src/dialects/gemini-embed.js';
import type { Dialect, Segment } from '../../src/dialects/types.js';
import { checkAnswerRoundTrip, checkOddShapes, checkRoundTrip, loadFixture } from './helpers.js';

const geminiCli: unknown = JSON.parse(loadFixture('gemini-cli.json'));
const small = {
  systemInstruction: { parts: [{ text: 'Working directory: /home/alice/acme-api' }] },
  contents: [{ role: 'user', parts: [{ text: 'Summarise the README of alice/acme-api' }] }],
};
const GENERATE = JSON.stringify({
  batch: {
    displayName: 'nightly run of alice',
    inputConfig: {
      requests: {
        requests: [
          { request: geminiCli, metadata: { key: 'req-1', owner: 'alice' } },
          { request: small, metadata: { key: 'req-2' } },
        ],
      },
    },
  },
});
const embedRequest = { content: { parts: [{ text: 'notes of alice' }] }, title: 'README of alice' };
const EMBED = JSON.stringify({
  batch: {
    display_name: 'embeddings of alice',
    input_config: { requests: { requests: [{ request: embedRequest }, { request: embedRequest }] } },
  },
});

/** The segments of requests[i].request, with paths relative to it. */
function requestSegments(segs: Segment[], config: string, i: number): Segment[] {
  const prefix = ['batch', config, 'requests', 'requests', i, 'request'];
  return segs
    .filter((s) => s.path[4] === i && s.path[5] === 'request')
    .map((s) => {
      assert.deepEqual(s.path.slice(0, 6), prefix);
      return { ...s, path: s.path.slice(6) };
    });
}

describe('gemini-batch-generate requests', () => {
  it('lists each request as generateContent lists a body, its metadata and the display name', () => {
    const segs = checkRoundTrip(geminiBatchGenerate, GENERATE);
    [geminiCli, small].forEach((request, i) => {
      assert.deepEqual(requestSegments(segs, 'inputConfig', i), gemini.segments(request));
    });
    const texts = (path: string) => segs.filter((s) => s.path.includes(path)).map((s) => s.text);
    assert.deepEqual(texts('displayName'), ['nightly run of alice']);
    assert.ok(texts('metadata').includes('alice'), 'metadata values');
    assert.ok(segs.filter((s) => s.path.includes('metadata')).every((s) => s.role === 'metadata'));
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(geminiBatchGenerate, GENERATE);
  });

  it('reads the model from the path, never streams, restores the echoed display name', () => {
    const path = '/v1beta/models/gemini-2.5-flash:batchGenerateContent';
    assert.equal(geminiBatchGenerate.model(JSON.parse(GENERATE), path), 'gemini-2.5-flash');
    assert.equal(geminiBatchGenerate.streaming({}, path, new URLSearchParams('alt=sse')), false);
    const operation = {
      name: 'batches/abc',
      metadata: {
        name: 'batches/abc',
        displayName: 'nightly run of /home/user',
        state: 'BATCH_STATE_PENDING',
      },
    };
    assert.deepEqual(
      geminiBatchGenerate.answerFields(operation).map((f) => f.text),
      ['nightly run of /home/user'],
    );
    checkAnswerRoundTrip(geminiBatchGenerate, operation);
  });
});

describe('gemini-batch-embed requests', () => {
  it('lists each request as :embedContent lists a body, in the snake_case spelling too', () => {
    const segs = checkRoundTrip(geminiBatchEmbed, EMBED);
    for (const i of [0, 1])
      assert.deepEqual(requestSegments(segs, 'input_config', i), geminiEmbed.segments(embedRequest));
    assert.ok(segs.some((s) => s.path.join('.') === 'batch.display_name'));
  });

  it('lists both spellings when a body has both', () => {
    const both = JSON.parse(EMBED) as { batch: Record<string, unknown> };
    both.batch['inputConfig'] = both.batch['input_config'];
    const segs = (geminiBatchEmbed as Dialect).segments(both);
    assert.equal(segs.filter((s) => s.path[1] === 'inputConfig').length, 4);
    assert.equal(segs.filter((s) => s.path[1] === 'input_config').length, 4);
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(geminiBatchEmbed, EMBED);
  });
});
