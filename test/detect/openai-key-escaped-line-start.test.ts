/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) an OpenAI key at a
 * line's start (what echo $OPENAI_API_KEY prints) was not found: secret.openai-key took the n of
 * the escaped line break before it for part of a word, so the key left as written, while the same
 * lines unescaped were redacted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const project = 'sk-proj-q7Zk2LmX9vTb4RcW8nYp3HsJ6fGd1AeQ5uKo0iVxBq7Zk2Lm';
const legacy = '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';
const output = ['$ echo $OPENAI_API_KEY', project, '$ cat keys.tsv', `ci\t${legacy}`].join('\n');

const keys = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('secret.openai-key'));

describe('an OpenAI key at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [`secret.openai-key ${project}`, `secret.openai-key ${legacy}`];
    assert.deepEqual(keys(output), expected);
    assert.deepEqual(keys(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(keys(JSON.stringify({ output })), expected);
  });

  it('is no key after an escaped backslash and an n', () => {
    assert.deepEqual(keys(JSON.stringify({ output: `C:\\n${project}` })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of [project, legacy]) assert.ok(!r.sent.includes(real), r.sent);
  });
});
