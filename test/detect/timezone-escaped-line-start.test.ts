/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a time zone at a
 * line's start (what cat /etc/timezone prints) was not found: env.timezone-iana took the n of the
 * escaped line break before it for part of a word, so the zone left as written, while the same
 * lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ cat /etc/timezone',
  'Europe/Warsaw',
  '$ timedatectl show -p Timezone --value',
  '\tAmerica/Sao_Paulo',
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.timezone-iana '));

describe('a time zone at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.timezone-iana Europe/Warsaw', 'env.timezone-iana America/Sao_Paulo'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nEurope/Warsaw' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['Europe/Warsaw', 'America/Sao_Paulo']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
