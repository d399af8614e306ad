/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a time zone offset at a
 * line's start was not found: env.timezone-offset took the n of the escaped line break before it
 * for part of a word, so the user's offset left as written, while the same lines unescaped were
 * replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ powershell -c "(Get-TimeZone).DisplayName"',
  'UTC-05:00',
  '$ grep offset ~/.config/clock',
  '\tGMT+2',
].join('\n');

const found = (text: string): string[] =>
  findingsIn(text).filter((f) => f.startsWith('env.timezone-offset '));

describe('a time zone offset at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.timezone-offset UTC-05:00', 'env.timezone-offset GMT+2'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nUTC-05:00' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['UTC-05:00', 'GMT+2']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
