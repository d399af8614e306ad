/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a home folder in a
 * Claude Code project's folder name at a line's start (what ls ~/.claude/projects prints) was not
 * found: env.encoded-home-path took the n of the escaped line break before it for part of a word,
 * so the user's name left as written, while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ ls ~/.claude/projects',
  '-Users-jsmith-work-api',
  '-home-mkowalski-repo',
  '$ ls -1 ~/.claude/projects | column',
  '\t-Users-anna-site',
].join('\n');

const found = (text: string): string[] =>
  findingsIn(text).filter((f) => f.startsWith('env.encoded-home-path '));

describe("a home folder in Claude Code's project name at the start of a JSON-escaped line", () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'env.encoded-home-path -Users-jsmith',
      'env.encoded-home-path -home-mkowalski',
      'env.encoded-home-path -Users-anna',
    ];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\n-Users-jsmith-work' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['-Users-jsmith-', '-home-mkowalski-', '-Users-anna-'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
