/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) no MAC address at a
 * line's start or after a tab was found: env.mac took the n or t of the escaped line break or tab
 * before it for part of a word, and the words that introduce it (address, link/ether) were not
 * read as its context across an escaped line break, so cat /sys/class/net/<if>/address left as
 * written, while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ cat /sys/class/net/eth0/address',
  '3c:22:fb:7a:10:4e',
  '$ ip -o link show wlan0 | cut -f2-3',
  'link/ether\ta4:83:e7:1c:22:9f',
].join('\n');

const macs = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.mac'));

describe('a MAC address at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.mac 3c:22:fb:7a:10:4e', 'env.mac a4:83:e7:1c:22:9f'];
    assert.deepEqual(macs(output), expected);
    assert.deepEqual(macs(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(macs(JSON.stringify({ output })), expected);
  });

  it('still needs a word that introduces it', () => {
    assert.deepEqual(macs(JSON.stringify({ output: 'const fixture =\n3c:22:fb:7a:10:4e' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['3c:22:fb:7a:10:4e', 'a4:83:e7:1c:22:9f']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
