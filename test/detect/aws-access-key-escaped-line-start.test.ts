/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) an AWS access key id at
 * a line's start (what aws configure get aws_access_key_id prints) was not found:
 * secret.aws-access-key took the n of the escaped line break before it for part of a word, so the
 * key left as written, while the same lines unescaped were redacted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ aws configure get aws_access_key_id',
  'AKIAZZ3K7XWPL2M4RTV6',
  '$ aws configure list-profiles --with-keys | cut -f2',
  '\tASIAZZ3K7XWPL2M4RTV7',
].join('\n');

const found = (text: string): string[] =>
  findingsIn(text).filter((f) => f.startsWith('secret.aws-access-key '));

describe('an AWS access key at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'secret.aws-access-key AKIAZZ3K7XWPL2M4RTV6',
      'secret.aws-access-key ASIAZZ3K7XWPL2M4RTV7',
    ];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nAKIAZZ3K7XWPL2M4RTV6' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['AKIAZZ3K7XWPL2M4RTV6', 'ASIAZZ3K7XWPL2M4RTV7'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
