/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a kernel release at a
 * line's start (what uname -r prints) was not found: env.kernel-release took the n of the escaped
 * line break before it for part of a word, so the machine's kernel left as written, while the same
 * lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = ['$ uname -r', '5.14.0-362.8.1.el9_3.x86_64', '$ ls /lib/modules', '\t6.8.0-47-generic'].join(
  '\n',
);

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.kernel-release '));

describe('a kernel release at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'env.kernel-release 5.14.0-362.8.1.el9_3.x86_64',
      'env.kernel-release 6.8.0-47-generic',
    ];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\n6.8.0-47-generic' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['5.14.0-362.8.1.el9_3.x86_64', '6.8.0-47-generic'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
