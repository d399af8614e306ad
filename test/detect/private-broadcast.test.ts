/**
 * `ip addr` run by a CLI's shell tool went out with the interface's address replaced and its
 * broadcast beside it as it was (`inet 198.51.100.84/24 brd 10.20.3.255`): env.ipv4 took every
 * .255 address for no one's, and the broadcast of a private network names it as well as the
 * address does. It is now reported where ip addr (brd), ifconfig (broadcast) and net-tools
 * (Bcast:) print it; a whole private block's broadcast is every such network's and stays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const ipAddr = [
  '$ ip addr show',
  '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000',
  '    link/ether 3c:22:fb:7a:10:4e brd ff:ff:ff:ff:ff:ff',
  '    inet 10.20.3.4/24 brd 10.20.3.255 scope global dynamic noprefixroute eth0',
  '3: wlan0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
  '    inet 192.168.7.34/24 brd 192.168.7.255 scope global wlan0',
  '4: tailscale0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1280',
  '    inet 169.254.83.1/16 brd 169.254.255.255 scope link tailscale0',
].join('\n');

describe("a private network's broadcast address", () => {
  it('is reported where ip addr, ifconfig and net-tools print it', () => {
    const found = findingsIn(ipAddr).filter((f) => f.startsWith('env.ipv4'));
    assert.deepEqual(found, [
      'env.ipv4 10.20.3.4',
      'env.ipv4 10.20.3.255',
      'env.ipv4 192.168.7.34',
      'env.ipv4 192.168.7.255',
      'env.ipv4 169.254.83.1',
    ]);
    assert.deepEqual(findingsIn('inet 192.168.1.34 netmask 0xffffff00 broadcast 192.168.1.255'), [
      'env.ipv4 192.168.1.34',
      'env.ipv4 192.168.1.255',
    ]);
    assert.deepEqual(findingsIn('inet addr:10.20.3.4  Bcast:10.20.3.255  Mask:255.255.255.0'), [
      'env.ipv4 10.20.3.4',
      'env.ipv4 10.20.3.255',
    ]);
    // A .255 address elsewhere is still no one's.
    assert.deepEqual(findingsIn('see 10.20.3.255 and 8.8.8.255'), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(ipAddr);
    for (const real of ['10.20.3', '192.168.7']) assert.ok(!r.sent.includes(real), r.sent);
    assert.ok(r.sent.includes('brd 169.254.255.255'), r.sent);
  });
});
