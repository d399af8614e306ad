import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicBatches } from '../../src/dialects/anthropic-batches.js';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import { checkOddShapes, checkRoundTrip, loadFixture } from './helpers.js';

const claudeCode: unknown = JSON.parse(loadFixture('anthropic-messages-claude-code.json'));
const small = {
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  system: 'Working directory: /home/alice/acme-api',
  messages: [{ role: 'user', content: 'Summarise the README of alice/acme-api' }],
};
const BATCH = JSON.stringify({
  requests: [
    { custom_id: 'req-1', params: claudeCode },
    { custom_id: 'req-2', params: small },
  ],
});

describe('anthropic-batches requests', () => {
  it('lists each request as anthropic-messages lists a body, under requests.i.params', () => {
    const segs = checkRoundTrip(anthropicBatches, BATCH);
    [claudeCode, small].forEach((params, i) => {
      const prefix = ['requests', i, 'params'];
      const own = segs
        .filter((s) => s.path[1] === i)
        .map((s) => {
          assert.deepEqual(s.path.slice(0, 3), prefix);
          return { ...s, path: s.path.slice(3) };
        });
      assert.deepEqual(own, anthropicMessages.segments(params));
    });
    // Member names of tool inputs keep their flag (Segment.key).
    assert.ok(segs.some((s) => s.key === true));
    assert.ok(!segs.some((s) => s.path.includes('custom_id')), 'custom_id matches results: left as is');
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(anthropicBatches, JSON.stringify({ requests: [{ custom_id: 'r', params: small }] }));
  });

  it('reads the model all requests name, never streams, and has no answer text', () => {
    const body: unknown = JSON.parse(BATCH);
    const path = '/v1/messages/batches';
    assert.equal(anthropicBatches.model(body, path), undefined, 'two models');
    const same = { requests: [{ params: small }, { params: { ...small, stream: true } }] };
    assert.equal(anthropicBatches.model(same, path), 'claude-sonnet-4-5');
    assert.equal(anthropicBatches.model({ model: 'x' }, path), 'x');
    assert.equal(anthropicBatches.model({ requests: [] }, path), undefined);
    assert.equal(anthropicBatches.streaming(same, path, new URLSearchParams()), false);
    const created = {
      id: 'msgbatch_01',
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
    };
    assert.deepEqual(anthropicBatches.answerFields(created), []);
  });
});
