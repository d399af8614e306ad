/**
 * One loopback check serves the dashboard (a socket's peer address), the gateway and `airlock run`
 * (a URL's host) and the egress proxy (a destination): every spelling of a loopback address must
 * count, and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from '../../src/egress/ip.js';

describe('isLoopback', () => {
  it('takes socket addresses, URL hosts and names in every spelling', () => {
    for (const host of [
      '127.0.0.1',
      '127.8.9.10',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '[::1]',
      '[::ffff:7f00:1]',
      '127.1',
      '2130706433',
      'localhost',
      'LOCALHOST.',
      'api.localhost',
    ])
      assert.equal(isLoopback(host), true, host);
  });

  it('refuses every other address and name', () => {
    for (const host of [
      undefined,
      '',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '[2001:db8::1]',
      '0.0.0.0',
      '::',
      'localhost.example.com',
      'mylocalhost',
      '128.0.0.1',
    ])
      assert.equal(isLoopback(host), false, String(host));
  });
});
