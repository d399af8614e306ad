/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) an environment dump's
 * variables were not found (env, printenv, PowerShell's Get-ChildItem env:): env.env-variable took
 * the n of the escaped line break before a variable's name for part of it, so the user, the domain
 * and the profile left as written, while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ env | sort',
  'AWS_PROFILE=acme-prod',
  'USER=mkowalski',
  '> Get-ChildItem env:',
  'Name      Value',
  '----      -----',
  'USERNAME  anna.schmidt',
  '\tUSERDOMAIN=ACMECORP',
].join('\n');

const variables = (text: string): string[] =>
  findingsIn(text).filter((f) => f.startsWith('env.env-variable'));

describe('an environment variable at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'env.env-variable acme-prod',
      'env.env-variable mkowalski',
      'env.env-variable anna.schmidt',
      'env.env-variable ACMECORP',
    ];
    assert.deepEqual(variables(output), expected);
    assert.deepEqual(variables(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(variables(JSON.stringify({ output })), expected);
  });

  it('is no variable after an escaped backslash and an n', () => {
    assert.deepEqual(variables(JSON.stringify({ output: 'C:\\nUSER=mkowalski' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['acme-prod', 'mkowalski', 'anna.schmidt', 'ACMECORP'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
