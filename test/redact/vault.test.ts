import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openVault } from '../../src/redact/open-vault.js';
import { Surrogates } from '../../src/redact/surrogates.js';
import { MemoryVault, type Vault } from '../../src/redact/vault.js';
import { RedisVault } from '../../src/redact/vault-redis.js';
import { SqliteVault } from '../../src/redact/vault-sqlite.js';

const REDIS = 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'airlock-vault-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

function redisVault(prefix: string): RedisVault {
  const v = new RedisVault(REDIS, { prefix });
  cleanups.push(async () => {
    await v.clear();
    await v.close();
  });
  return v;
}

const stores: [string, () => Promise<Vault>][] = [
  ['memory', () => Promise.resolve(new MemoryVault())],
  [
    'sqlite',
    async () => {
      const v = new SqliteVault(join(await tempDir(), 'vault.db'));
      cleanups.push(() => v.close());
      return v;
    },
  ],
  ['redis', () => Promise.resolve(redisVault(`airlock-test:{${randomUUID()}}:`))],
];

for (const [name, open] of stores) {
  describe(`${name} vault`, () => {
    it('claims, links and refuses a surrogate taken by another original', async () => {
      const v = await open();
      assert.equal(await v.originalOf('host-1.example.internal'), undefined);
      assert.equal(await v.claim('host-1.example.internal', 'db.acme.corp', 'k1'), 'host-1.example.internal');
      assert.equal(await v.originalOf('host-1.example.internal'), 'db.acme.corp');
      assert.equal(await v.surrogateOf('k1'), 'host-1.example.internal');
      // Another value cannot take it...
      assert.equal(await v.claim('host-1.example.internal', 'git.acme.corp', 'k2'), undefined);
      assert.equal(await v.surrogateOf('k2'), undefined);
      // ...and a linked value keeps its first surrogate even when asked for another.
      assert.equal(await v.claim('host-9.example.internal', 'db.acme.corp', 'k1'), 'host-1.example.internal');
      assert.equal(await v.originalOf('host-9.example.internal'), undefined);
      // An unlinked claim (a request-local escape) maps without linking.
      assert.equal(await v.claim('host-2.example.internal', 'git.acme.corp'), 'host-2.example.internal');
      assert.equal(await v.originalOf('host-2.example.internal'), 'git.acme.corp');
      // Originals round-trip byte for byte, including backslashes and non-ASCII.
      const original = 'C:\\Users\\zoë\\"quoted"';
      assert.equal(await v.claim('C:\\Users\\user', original, 'k3'), 'C:\\Users\\user');
      assert.equal(await v.originalOf('C:\\Users\\user'), original);
    });
  });
}

describe('sqlite vault file', () => {
  it('is created with mode 0600 and survives a reopen', async () => {
    const dir = await tempDir();
    const v = openVault('sqlite', dir);
    await v.claim('/home/user', '/home/alice', 'k');
    await v.close();
    assert.equal((await stat(join(dir, 'vault.db'))).mode & 0o777, 0o600);
    const again = openVault('sqlite', dir);
    cleanups.push(() => again.close());
    assert.equal(await again.originalOf('/home/user'), '/home/alice');
    assert.equal(await again.surrogateOf('k'), '/home/user');
  });

  it('keeps a collision-moved surrogate across a restart', async () => {
    const dir = await tempDir();
    const key = Buffer.alloc(32, 3);
    const natural = await new Surrogates(key, new MemoryVault()).surrogate('hostname', 'db.acme.corp', {
      reals: new Set(),
      restoreSecrets: true,
      entries: new Map(),
    });
    const first = new SqliteVault(join(dir, 'vault.db'));
    await first.claim(natural, 'other.acme.corp', 'x');
    const ctx = () => ({ reals: new Set<string>(), restoreSecrets: true, entries: new Map() });
    const moved = await new Surrogates(key, first).surrogate('hostname', 'db.acme.corp', ctx());
    await first.close();
    const second = new SqliteVault(join(dir, 'vault.db'));
    cleanups.push(() => second.close());
    assert.notEqual(moved, natural);
    assert.equal(await new Surrogates(key, second).surrogate('hostname', 'db.acme.corp', ctx()), moved);
  });
});

describe('redis vault shared by two gateways', () => {
  it('lets exactly one of two racing gateways claim a surrogate', async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const a = redisVault(prefix);
    const b = new RedisVault(REDIS, { prefix });
    cleanups.push(() => b.close());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).claim('host-7.example.internal', `h${i}.acme.corp`, `k${i}`),
      ),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 1);
    const winner = results.findIndex((r) => r !== undefined);
    assert.equal(await b.originalOf('host-7.example.internal'), `h${winner}.acme.corp`);
    assert.equal(await a.originalOf('host-7.example.internal'), `h${winner}.acme.corp`);
  });

  it('gives two gateways the same collision-moved surrogate', async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const a = redisVault(prefix);
    const b = new RedisVault(REDIS, { prefix });
    cleanups.push(() => b.close());
    const key = Buffer.alloc(32, 8);
    const ctx = () => ({ reals: new Set<string>(), restoreSecrets: true, entries: new Map() });
    const natural = await new Surrogates(key, new MemoryVault()).surrogate('email', 'alice@acme.com', ctx());
    await a.claim(natural, 'bob@acme.com', 'someone-else');
    const onA = await new Surrogates(key, a).surrogate('email', 'alice@acme.com', ctx());
    const onB = await new Surrogates(key, b).surrogate('email', 'alice@acme.com', ctx());
    assert.notEqual(onA, natural);
    assert.equal(onB, onA);
  });
});
