/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) no IPv6 address at a
 * line's start was found: env.ipv6 took the n of the escaped line break before it for part of a
 * word, so ip -6 neigh's neighbours left as written, while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ ip -6 neigh',
  'fe80::1c2b:3aff:fe4d:5e6f dev eth0 router REACHABLE',
  'fd00::7 dev eth0 STALE',
  '\tfd12:3456:789a:1::42 dev eth1 DELAY',
].join('\n');

const addresses = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.ipv6'));

describe('an IPv6 address at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'env.ipv6 fe80::1c2b:3aff:fe4d:5e6f',
      'env.ipv6 fd00::7',
      'env.ipv6 fd12:3456:789a:1::42',
    ];
    assert.deepEqual(addresses(output), expected);
    assert.deepEqual(addresses(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(addresses(JSON.stringify({ output })), expected);
  });

  it('is no address after an escaped backslash and an n, nor inside a C++ name', () => {
    assert.deepEqual(addresses(JSON.stringify('C:\\nfd00::7 dev eth0').slice(1, -1)), []);
    assert.deepEqual(addresses(JSON.stringify('x\nstd::vector<int> v;\nfd::close(fd);')), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['fe80::1c2b:3aff:fe4d:5e6f', 'fd00::7', 'fd12:3456:789a:1::42'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
