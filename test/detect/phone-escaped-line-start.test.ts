/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a phone number at a
 * line's start (a column of a CSV file cut out by a tool) was not found: pii.phone took the n of
 * the escaped line break before it for part of a word, so the number left as written, while the
 * same lines unescaped were redacted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ cut -d, -f5 contacts.csv',
  '415-555-0132',
  '$ cut -f3 oncall.tsv',
  '\t+48 601 234 567',
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('pii.phone '));

describe('a phone number at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['pii.phone 415-555-0132', 'pii.phone +48 601 234 567'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\n415-555-0132' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['415-555-0132', '+48 601 234 567']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
