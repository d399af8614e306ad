/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a secret assigned at a
 * line's start (a .env file read by a tool) was not found: secret.env-assignment took the n of the
 * escaped line break before the variable's name for part of it, so the password left as written,
 * while the same lines unescaped were redacted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ cat .env',
  'DB_PASSWORD=hunter2-Blue!',
  'JWT_SECRET=f3a9c1e7b5d2f3a9c1e7b5d2f3a9c1e7',
  '\tMYSQL_PWD=s3cretpass',
].join('\n');

const secrets = (text: string): string[] =>
  findingsIn(text).filter((f) => f.startsWith('secret.env-assignment'));

describe('a secret assigned at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'secret.env-assignment hunter2-Blue!',
      'secret.env-assignment f3a9c1e7b5d2f3a9c1e7b5d2f3a9c1e7',
      'secret.env-assignment s3cretpass',
    ];
    assert.deepEqual(secrets(output), expected);
    assert.deepEqual(secrets(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(secrets(JSON.stringify({ output })), expected);
  });

  it('is no assignment after an escaped backslash and an n', () => {
    assert.deepEqual(secrets(JSON.stringify({ output: 'C:\\nDB_PASSWORD=hunter2-Blue!' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['hunter2-Blue!', 'f3a9c1e7b5d2f3a9c1e7b5d2f3a9c1e7', 's3cretpass'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
