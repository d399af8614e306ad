/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) the account ssh -T
 * git@github.com greets was not found: env.forge-account took the n of the escaped line break
 * before Hi for part of a word, so the user's GitHub login left as written, while the same lines
 * unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ ssh -T git@github.com',
  "Hi zelda-q! You've successfully authenticated, but GitHub does not provide shell access.",
  '$ ssh -T git@github.com -i ~/.ssh/work',
  "\tHi marta-acme! You've successfully authenticated, but GitHub does not provide shell access.",
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.forge-account '));

describe('a forge account at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.forge-account zelda-q', 'env.forge-account marta-acme'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(
      found(
        JSON.stringify({
          output:
            "C:\\nHi zelda-q! You've successfully authenticated, but GitHub does not provide shell access.",
        }),
      ),
      [],
    );
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['zelda-q', 'marta-acme']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
