/**
 * Guards the evaluation's recall target in the test suite: every planted value of the labelled
 * corpus (captured Claude Code requests, generated Codex / Gemini CLI / Qwen Code requests) is
 * fully covered by a finding of its category when canaries are on. `npm run eval` prints the
 * full report, including false positives per MB on benign code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plantedRecall } from '../../scripts/eval.js';

describe('evaluation corpus', () => {
  it('finds every planted value, in every category (rules + canaries)', () => {
    const { full } = plantedRecall();
    assert.deepEqual([...full.keys()].sort(), [
      'environment',
      'header-fingerprint',
      'hidden-unicode',
      'pii',
      'secret',
      'tracking',
    ]);
    for (const [category, t] of full) assert.equal(t.found, t.total, `${category}: ${t.found}/${t.total}`);
  });
});
