/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a Windows home folder
 * at a line's start (what where python prints) was not found: env.windows-home-path took the n of
 * the escaped line break before the drive for part of a word, so the user's name left as written,
 * while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '> where python',
  'C:\\Users\\kpatel\\AppData\\Local\\Programs\\Python\\Python311\\python.exe',
  '> echo %TOOLS%',
  '\tD:/users/jnowak/tools/bin',
].join('\n');

/** The folders found, as written unescaped (a JSON-escaped one has its backslashes doubled). */
const homes = (text: string): string[] =>
  findingsIn(text)
    .filter((f) => f.startsWith('env.windows-home-path '))
    .map((f) => f.replace(/\\\\/g, '\\'));

describe('a Windows home folder at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.windows-home-path C:\\Users\\kpatel', 'env.windows-home-path D:/users/jnowak'];
    assert.deepEqual(homes(output), expected);
    assert.deepEqual(homes(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(homes(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(homes(JSON.stringify({ output: 'C:\\nC:\\Users\\kpatel\\AppData' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['kpatel', 'jnowak']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
