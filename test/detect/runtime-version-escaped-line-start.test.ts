/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a runtime's version at
 * a line's start (what python3 --version prints) was not found: env.runtime-version took the n of
 * the escaped line break before it for part of a word, so it left as written, while the same lines
 * unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ python3 --version',
  'Python 3.11.4',
  "$ node -p '`Node.js ${process.version}`'",
  '\tNode.js v20.11.1',
].join('\n');

const found = (text: string): string[] =>
  findingsIn(text).filter((f) => f.startsWith('env.runtime-version '));

describe('a runtime version at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.runtime-version Python 3.11.4', 'env.runtime-version Node.js v20.11.1'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nPython 3.11.4' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['Python 3.11.4', 'Node.js v20.11.1']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
