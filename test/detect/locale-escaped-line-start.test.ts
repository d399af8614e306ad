/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a locale setting at a
 * line's start (what locale prints) was not found: env.locale took the n of the escaped line break
 * before it for part of a word, so the user's language left as written, while the same lines
 * unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = ['$ locale', 'LANG=de_DE.UTF-8', 'LC_TIME=pl_PL', '\tLANGUAGE=pl_PL:pl'].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.locale '));

describe('a locale setting at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.locale de_DE.UTF-8', 'env.locale pl_PL', 'env.locale pl_PL:pl'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nLC_TIME=pl_PL' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['de_DE.UTF-8', 'pl_PL', 'pl_PL:pl']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
