/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a card number at a
 * line's start (a column of a CSV file cut out by a tool) was not found: pii.card-number took the
 * n of the escaped line break before it for part of a word, so the number left as written, while
 * the same lines unescaped were redacted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ cut -d, -f3 payments.csv',
  '5273849102657318',
  '$ cut -f2 refunds.tsv',
  '\t3714-829104-61525',
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('pii.card-number '));

describe('a card number at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['pii.card-number 5273849102657318', 'pii.card-number 3714-829104-61525'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\n5273849102657318' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['5273849102657318', '3714-829104-61525']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
