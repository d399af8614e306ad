/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a kernel version at a
 * line's start (what uname -sr prints) was not found: env.kernel-version took the n of the escaped
 * line break before it for part of a word, so the machine's kernel left as written, while the same
 * lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = ['$ uname -sr', 'Linux 6.8.0-47-generic', '$ ssh mac uname -sr', '\tDarwin 23.5.0'].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.kernel-version '));

describe('a kernel version at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.kernel-version Linux 6.8.0-47-generic', 'env.kernel-version Darwin 23.5.0'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nLinux 6.8.0-47-generic' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['Linux 6.8.0-47-generic', 'Darwin 23.5.0']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
