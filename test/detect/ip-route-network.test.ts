/**
 * `ip route` run by a CLI's shell tool went out with its addresses replaced and the private
 * networks beside them as they were (10.20.3.0/24 dev eth0 ... src 198.51.100.84): env.ipv4 took
 * every .0 address for no one's, and a private network names the network as well as its
 * addresses do. It is now reported where ip route prints it and takes an address surrogate; the
 * gateway (default via 10.20.3.1) was already. A whole private block and the networks every home
 * router or cloud defaults to stay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const route = [
  '$ ip route',
  'default via 10.20.3.1 dev eth0 proto dhcp src 10.20.3.4 metric 100',
  '10.20.3.0/24 dev eth0 proto kernel scope link src 10.20.3.4 metric 100',
  '10.44.0.0/16 via 10.20.3.1 dev eth0',
  '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown',
  '169.254.0.0/16 dev eth0 scope link metric 1000',
  '192.168.1.0/24 dev wlan0 proto kernel scope link src 192.168.1.57',
].join('\n');

const addresses = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.ipv4'));

describe("a private network in ip route's output", () => {
  it('is reported beside the gateway and the addresses', () => {
    const expected = [
      'env.ipv4 10.20.3.1',
      'env.ipv4 10.20.3.4',
      'env.ipv4 10.20.3.0',
      'env.ipv4 10.20.3.4',
      'env.ipv4 10.44.0.0',
      'env.ipv4 10.20.3.1',
      'env.ipv4 172.17.0.0',
      'env.ipv4 172.17.0.1',
      'env.ipv4 192.168.1.57',
    ];
    assert.deepEqual(addresses(route), expected);
    assert.deepEqual(addresses(JSON.stringify(route).slice(1, -1)), expected);
    assert.deepEqual(addresses(JSON.stringify({ output: route })), expected);
  });

  it('is no finding elsewhere, nor a whole block or a network every router defaults to', () => {
    for (const text of [
      'allow 10.20.3.0/24;\ncidr_blocks = ["10.44.0.0/16"]',
      '10.0.0.0/8 dev tun0 scope link',
      '192.168.0.0/24 dev wlan0 proto kernel scope link src 192.168.0.23',
      '100.64.0.0/10 dev tailscale0',
    ])
      assert.deepEqual(
        addresses(text).filter((f) => f.endsWith('.0')),
        [],
        text,
      );
  });

  it('does not leave the gateway, and comes back in the answer', async () => {
    const r = await inspectUserMessage(route);
    for (const real of ['10.20.3.', '10.44.0.0', '172.17.0.']) assert.ok(!r.sent.includes(real), r.sent);
    assert.ok(
      r.sent.includes('169.254.0.0/16 dev eth0') && r.sent.includes('192.168.1.0/24 dev wlan0'),
      r.sent,
    );
    const network = /\n(\S+)\/24 dev eth0/.exec(r.sent)?.[1] ?? '';
    assert.equal(r.answer(`Add a route to ${network}/24.`), 'Add a route to 10.20.3.0/24.');
  });
});
