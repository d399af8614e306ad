/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) git log's authors were
 * not found: env.git-author took the n of the escaped line break before Author: for part of a
 * word, so the names left as written, while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ git log -2',
  'commit 3f2a9c1',
  'Author: Marta Kowalska <marta@acme.pl>',
  'Date:   Mon Nov 23 10:12:01 2026 +0100',
  '',
  '    fix the build, as reviewed:',
  '\tAuthor: Jan Nowak <jan@acme.pl>',
].join('\n');

const authors = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.git-author'));

describe("git log's author at the start of a JSON-escaped line", () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.git-author Marta Kowalska', 'env.git-author Jan Nowak'];
    assert.deepEqual(authors(output), expected);
    assert.deepEqual(authors(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(authors(JSON.stringify({ output })), expected);
  });

  it('is no author after an escaped backslash and an n, nor in a doc comment', () => {
    assert.deepEqual(authors(JSON.stringify({ output: 'C:\\nAuthor: Marta Kowalska <marta@acme.pl>' })), []);
    assert.deepEqual(
      authors(JSON.stringify({ output: '/**\n * @author Marta Kowalska <marta@acme.pl>\n */' })),
      [],
    );
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['Marta Kowalska', 'Jan Nowak']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
