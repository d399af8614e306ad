/**
 * A forward proxy that other machines use must not hand them the proxy host's own services
 * (loopback, link-local) or its cloud's instance metadata: by name, by address in any spelling,
 * and by what a name resolves to. The proxies here listen on loopback with the guard switched on
 * (`refuseHostLocal`), as one listening beyond loopback has it by default; names are resolved by
 * a stand-in resolver, since no real name may be looked up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { hostLocalLookup, isHostLocal } from '../../src/egress/host-local.js';
import { HOST_LOCAL_RULE } from '../../src/egress/proxy.js';
import { openConnect, rawExchange, readBytes, startProxyStand, type ProxyStand } from './helpers.js';

/** Resolves every `*.test` name from `table`; anything else is not found. */
function fakeResolver(table: Record<string, string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const addresses = table[hostname];
    if (addresses === undefined) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
      return;
    }
    const list: LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  };
}

describe('isHostLocal', () => {
  it('takes loopback, unspecified, link-local and instance-metadata destinations in every spelling', () => {
    for (const host of [
      '127.0.0.1',
      '127.1',
      '2130706433',
      '0x7f.0.0.1',
      '::1',
      '[::1]',
      '[::ffff:127.0.0.1]',
      'localhost',
      'redis.localhost',
      '0.0.0.0',
      '0',
      '::',
      '169.254.169.254',
      '[::ffff:169.254.169.254]',
      '2852039166',
      'fe80::1',
      '[febf::1]',
      'fd00:ec2::254',
      'metadata.google.internal',
      'METADATA.GOOGLE.INTERNAL.',
      'instance-data.ec2.internal',
    ])
      assert.equal(isHostLocal(host), true, host);
  });

  it('leaves other hosts alone, private networks included (a team reaches its registries there)', () => {
    for (const host of [
      'api.anthropic.com',
      '10.0.0.5',
      '192.168.1.10',
      '172.16.0.1',
      '169.253.255.255',
      '169.255.0.1',
      'fec0::1',
      'fd00:ec2::253',
      '2001:db8::1',
      'metadata.example.com',
      'localhost.example.com',
    ])
      assert.equal(isHostLocal(host), false, host);
  });
});

describe('hostLocalLookup', () => {
  const lookup = hostLocalLookup(
    fakeResolver({
      'mixed.test': ['127.0.0.1', '10.1.2.3', 'fe80::1', '2001:db8::7'],
      'local.test': ['127.0.0.1', '::1', '169.254.169.254'],
    }),
  );
  const ask = (host: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; result: unknown }>((resolve) =>
      lookup(host, { all }, (err, address, family) =>
        resolve({ err, result: all ? address : { address, family } }),
      ),
    );

  it('keeps only the addresses that are not host-local, for one address and for all', async () => {
    assert.deepEqual((await ask('mixed.test', true)).result, [
      { address: '10.1.2.3', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    assert.deepEqual((await ask('mixed.test', false)).result, { address: '10.1.2.3', family: 4 });
  });

  it('fails a name with nothing but host-local addresses, and passes resolver errors on', async () => {
    assert.equal((await ask('local.test', false)).err?.code, 'EHOSTLOCAL');
    assert.equal((await ask('local.test', true)).err?.code, 'EHOSTLOCAL');
    assert.equal((await ask('nowhere.test', false)).err?.code, 'ENOTFOUND');
  });
});

describe('a forward proxy that refuses host-local destinations', () => {
  let stand: ProxyStand;
  before(async () => {
    stand = await startProxyStand({
      refuseHostLocal: true,
      lookup: fakeResolver({ 'rebound.test': ['127.0.0.1'], 'two.test': ['169.254.169.254', '::1'] }),
    });
  });
  after(() => stand.close());

  const lastEvent = () => stand.events.at(-1)!;

  it('refuses CONNECT to loopback and metadata addresses with 403 and an event naming the guard', async () => {
    for (const target of [
      `127.0.0.1:${stand.echo.port}`,
      `[::1]:${stand.echo.port}`,
      `localhost:${stand.echo.port}`,
      `2130706433:${stand.echo.port}`,
      '169.254.169.254:80',
      'metadata.google.internal:80',
    ]) {
      const { status, head, socket } = await openConnect(stand.proxy.port, target);
      socket.destroy();
      assert.equal(status, 403, target);
      assert.match(head, /^HTTP\/1\.1 403/);
      const event = lastEvent();
      assert.equal(event.decision, 'deny', target);
      assert.equal(event.outcome, 'refused', target);
      assert.equal(event.rule, HOST_LOCAL_RULE, target);
    }
  });

  it('refuses a plain request to a loopback address', async () => {
    const answer = await rawExchange(
      stand.proxy.port,
      `GET http://127.0.0.1:${stand.web.port}/private HTTP/1.1\r\nHost: 127.0.0.1:${stand.web.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 403/);
    assert.match(answer, /host-local/);
    assert.equal(stand.web.seen.length, 0);
  });

  it('refuses a name that resolves only to host-local addresses, on the fast path and the socket path', async () => {
    // One write: the fast path (handles). Two writes: the head is read by the socket path.
    const fast = await openConnect(stand.proxy.port, `rebound.test:${stand.echo.port}`);
    fast.socket.destroy();
    assert.equal(fast.status, 403);
    assert.equal(lastEvent().outcome, 'refused');
    assert.equal(lastEvent().decision, 'deny');
    assert.equal(lastEvent().error, 'EHOSTLOCAL');

    // An interception hook keeps every CONNECT off the fast path (it returns undefined: tunnel).
    const socketPath = await startProxyStand({
      refuseHostLocal: true,
      interceptTunnel: () => undefined,
      lookup: fakeResolver({ 'two.test': ['169.254.169.254', '::1'] }),
    });
    try {
      const slow = await openConnect(socketPath.proxy.port, 'two.test:443');
      slow.socket.destroy();
      assert.equal(slow.status, 403);
      assert.match(slow.head, /^HTTP\/1\.1 403/);
      const event = socketPath.events.at(-1)!;
      assert.equal(event.outcome, 'refused');
      assert.equal(event.error, 'EHOSTLOCAL');
    } finally {
      await socketPath.close();
    }
  });

  it('refuses a plain request to a name that resolves to loopback, before anything is sent', async () => {
    const answer = await rawExchange(
      stand.proxy.port,
      `GET http://rebound.test:${stand.web.port}/x HTTP/1.1\r\nHost: rebound.test:${stand.web.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 403/);
    assert.equal(stand.web.seen.length, 0);
    const event = lastEvent();
    assert.equal(event.outcome, 'refused');
    assert.equal(event.decision, 'deny');
  });

  it('lets through a host-local destination that egress.allow names exactly', async () => {
    stand.proxy.setPolicy({ allow: [`127.0.0.1:${stand.echo.port}`] });
    const { status, socket, rest } = await openConnect(stand.proxy.port, `127.0.0.1:${stand.echo.port}`);
    assert.equal(status, 200);
    socket.write('ping');
    assert.equal((await readBytes(socket, 4, rest)).toString(), 'ping');
    socket.destroy();
    assert.equal(lastEvent().outcome, 'tunnel');
  });

  it('does not take a wildcard allow as naming a host-local destination', async () => {
    const wide = await startProxyStand({ refuseHostLocal: true, policy: { allow: ['*', '*.localhost'] } });
    try {
      for (const target of [`127.0.0.1:${wide.echo.port}`, `redis.localhost:${wide.echo.port}`]) {
        const { status, socket } = await openConnect(wide.proxy.port, target);
        socket.destroy();
        assert.equal(status, 403, target);
      }
    } finally {
      await wide.close();
    }
  });
});

describe('a forward proxy on loopback', () => {
  it('serves loopback destinations, as its clients are this machine (the default there)', async () => {
    const stand = await startProxyStand();
    try {
      const { status, socket, rest } = await openConnect(stand.proxy.port, `127.0.0.1:${stand.echo.port}`);
      assert.equal(status, 200);
      socket.write('pong');
      assert.equal((await readBytes(socket, 4, rest)).toString(), 'pong');
      socket.destroy();
    } finally {
      await stand.close();
    }
  });
});
