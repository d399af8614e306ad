/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a home folder at a
 * line's start (what pwd prints) was not found: env.home-path took the n of the escaped line break
 * before it for part of a word, so the user's name left as written, while the same lines unescaped
 * were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ pwd',
  '/home/mkowalski/src/billing-api',
  '$ git worktree list',
  '\t/Users/jsmith/work/site  3f2a9c1 [main]',
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.home-path '));

describe('a home folder at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.home-path /home/mkowalski', 'env.home-path /Users/jsmith'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\n/home/mkowalski/src' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['mkowalski', 'jsmith']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
