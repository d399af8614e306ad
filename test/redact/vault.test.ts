import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openVault } from '../../src/redact/open-vault.js';
import { Surrogates, valueKeyUnder } from '../../src/redact/surrogates.js';
import { MemoryVault, type Vault } from '../../src/redact/vault.js';
import { RedisVault } from '../../src/redact/vault-redis.js';
import { SealedVault } from '../../src/redact/vault-seal.js';
import { SqliteVault } from '../../src/redact/vault-sqlite.js';

const REDIS = 'redis://127.0.0.1:6379';
const KEY = Buffer.alloc(32, 5);
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
  [
    'sealed sqlite',
    async () => {
      const v = new SealedVault(new SqliteVault(join(await tempDir(), 'vault.db')), KEY);
      cleanups.push(() => v.close());
      return v;
    },
  ],
  [
    'sealed redis',
    () => Promise.resolve(new SealedVault(redisVault(`airlock-test:{${randomUUID()}}:`), KEY)),
  ],
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

    it("grants surrogates to one scope, not another's", async () => {
      const v = await open();
      assert.equal(await v.isGranted('scope-a', 'host-1.example.internal'), false);
      await v.grant('scope-a', ['host-1.example.internal', 'a4:83:e7:12:34:56', '/home/user']);
      await v.grant('scope-a', ['/home/user']);
      await v.grant('scope-b', []);
      for (const s of ['host-1.example.internal', 'a4:83:e7:12:34:56', '/home/user'])
        assert.equal(await v.isGranted('scope-a', s), true, s);
      assert.equal(await v.isGranted('scope-b', 'host-1.example.internal'), false);
      assert.equal(await v.isGranted('scope-a', 'host-2.example.internal'), false);
      // A scope and a surrogate with a colon do not run into another pair.
      assert.equal(await v.isGranted('scope-a:a4', '83:e7:12:34:56'), false);
    });
  });
}

describe('read-back scopes', () => {
  const ctx = () => ({ reals: new Set<string>(), restoreSecrets: true, entries: new Map() });

  it("restore a surrogate only for the credential whose requests were given it, a secret's never", async () => {
    const surrogates = new Surrogates(KEY, new MemoryVault());
    const [alice, bob] = [surrogates.scopeOf('sk-alice'), surrogates.scopeOf('sk-bob')];
    assert.notEqual(alice, bob);
    assert.ok(!alice.includes('sk-alice'), 'the scope holds the credential');
    const request = ctx();
    const host = await surrogates.surrogate('hostname', 'db.acme.corp', request);
    const key = await surrogates.surrogate('aws-access-key', 'AKIAIOSFODNN7EXAMPLE', request, true);
    await surrogates.grant(alice, request);
    assert.equal(await surrogates.originalIn(alice, host), 'db.acme.corp');
    assert.equal(await surrogates.originalIn(bob, host), undefined);
    assert.equal(await surrogates.originalIn(alice, key), undefined);
  });

  it('are kept by a sqlite vault across a restart', async () => {
    const dir = await tempDir();
    const first = new Surrogates(KEY, openVault('sqlite', dir, KEY));
    const request = ctx();
    const host = await first.surrogate('hostname', 'db.acme.corp', request);
    await first.grant(first.scopeOf('sk-alice'), request);
    const vault = openVault('sqlite', dir, KEY);
    cleanups.push(() => vault.close());
    const second = new Surrogates(KEY, vault);
    assert.equal(await second.originalIn(second.scopeOf('sk-alice'), host), 'db.acme.corp');
    assert.equal(await second.originalIn(second.scopeOf('sk-bob'), host), undefined);
  });

  it('are shared by gateways on one Redis vault, and forgotten with what it lost', async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const one = redisVault(prefix);
    const two = new RedisVault(REDIS, { prefix, epochCheckMs: 0 });
    cleanups.push(() => two.close());
    await one.checkEpoch();
    const gw1 = new Surrogates(KEY, new SealedVault(one, KEY));
    const gw2 = new Surrogates(KEY, new SealedVault(two, KEY));
    const request = ctx();
    const home = await gw1.surrogate('home-path', '/home/alice', request);
    await gw1.grant(gw1.scopeOf('sk-alice'), request);
    assert.equal(await gw2.originalIn(gw2.scopeOf('sk-alice'), home), '/home/alice');
    assert.equal(await gw2.originalIn(gw2.scopeOf('sk-bob'), home), undefined);
    assert.equal(await gw1.originalIn(gw1.scopeOf('sk-alice'), home), '/home/alice');
    // Redis restarts empty; another value takes the surrogate and another user is given it.
    await two.clear();
    const bobs = ctx();
    assert.equal(await gw2.surrogate('home-path', '/home/bob', bobs), home);
    await gw2.grant(gw2.scopeOf('sk-bob'), bobs);
    await two.checkEpoch();
    await one.checkEpoch();
    // gw1 remembered alice's grant; with the vault's loss it asks again and finds none.
    assert.equal(await gw1.originalIn(gw1.scopeOf('sk-alice'), home), undefined);
    assert.equal(await gw1.originalIn(gw1.scopeOf('sk-bob'), home), '/home/bob');
  });
});

describe('memory vault bound', () => {
  it('holds at most its bound of values, the oldest forgotten first; a forgotten value gets its surrogate again', async () => {
    const vault = new MemoryVault(3);
    const surrogates = new Surrogates(KEY, vault, { maxCache: 1 });
    const ctx = () => ({ reals: new Set<string>(), restoreSecrets: true, entries: new Map() });
    const hosts = ['db.acme.corp', 'git.acme.corp', 'ci.acme.corp', 'mail.acme.corp', 'vpn.acme.corp'];
    const first = [];
    for (const host of hosts) first.push(await surrogates.surrogate('hostname', host, ctx()));
    assert.equal(vault.size, 3);
    // The two oldest are forgotten, the three newest kept.
    assert.equal(await vault.originalOf(first[0]!), undefined);
    assert.equal(await vault.originalOf(first[1]!), undefined);
    for (const k of [2, 3, 4]) assert.equal(await vault.originalOf(first[k]!), hosts[k]);
    // Asked again, a forgotten value gets the same surrogate (from its keyed hash), and the
    // vault stays within its bound.
    assert.equal(await surrogates.surrogate('hostname', hosts[0]!, ctx()), first[0]);
    assert.equal(await vault.originalOf(first[0]!), hosts[0]);
    assert.equal(vault.size, 3);
  });
});

describe('sqlite vault file', () => {
  it('is created with mode 0600 and survives a reopen', async () => {
    const dir = await tempDir();
    const v = openVault('sqlite', dir, KEY);
    await v.claim('/home/user', '/home/alice', 'k');
    await v.close();
    assert.equal((await stat(join(dir, 'vault.db'))).mode & 0o777, 0o600);
    // Sealed: no file of the store (database, WAL) holds the original.
    for (const f of await readdir(dir))
      assert.ok(!(await readFile(join(dir, f))).includes('/home/alice'), `${f} holds the original in clear`);
    const again = openVault('sqlite', dir, KEY);
    cleanups.push(() => again.close());
    assert.equal(await again.originalOf('/home/user'), '/home/alice');
    assert.equal(await again.surrogateOf('k'), '/home/user');
  });

  it('that is not a database is an error naming it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'vault.db'), 'not a database, but long enough to be read as one'.repeat(20));
    assert.throws(
      () => openVault('sqlite', dir, KEY),
      (err: Error) =>
        err.message.startsWith(`the surrogate vault ${join(dir, 'vault.db')} cannot be opened: `),
    );
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

describe('a redis vault that loses its data', () => {
  it('makes every gateway forget the links it remembered, so that they agree again', async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const key = Buffer.alloc(32, 9);
    const ctx = () => ({ reals: new Set<string>(), restoreSecrets: true, entries: new Map() });
    // Two gateways; the epoch is read when each connects (and here only on request).
    const one = redisVault(prefix);
    const three = new RedisVault(REDIS, { prefix, epochCheckMs: 0 });
    cleanups.push(() => three.close());
    await one.checkEpoch();
    await three.checkEpoch();
    const gw1 = new Surrogates(key, new SealedVault(one, key));
    const gw3 = new Surrogates(key, new SealedVault(three, key));
    assert.equal(await gw1.surrogate('home-path', '/home/ar', ctx()), '/home/user');

    // Redis restarts without persistence: everything is gone, the epoch too.
    await three.clear();
    assert.equal(await gw3.surrogate('home-path', '/home/br', ctx()), '/home/user', 'free again');
    await three.checkEpoch(); // writes the new epoch
    await one.checkEpoch(); // reads it: not the one it knew
    assert.equal(one.generation, 1);

    // gw1 no longer uses the link the vault lost: /home/user is /home/br's now, everywhere.
    const onOne = await gw1.surrogate('home-path', '/home/ar', ctx());
    const onThree = await gw3.surrogate('home-path', '/home/ar', ctx());
    assert.notEqual(onOne, '/home/user');
    assert.equal(onOne, onThree);
    assert.equal(await one.originalOf('/home/user'), await three.originalOf('/home/user'));
  });
});

describe('sealed originals', () => {
  it('a shared Redis vault holds ciphertext only, the same for the same original', async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const raw = redisVault(prefix);
    const a = new SealedVault(raw, KEY);
    const b = new SealedVault(new RedisVault(REDIS, { prefix }), KEY);
    cleanups.push(() => b.close());
    const secret = 'ghp_realrealrealrealrealrealrealrealreal';
    assert.equal(
      await a.claim('ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', secret, 'k'),
      'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    );
    const stored = (await raw.originalOf('ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'))!;
    assert.match(stored, /^sealed:v1:/);
    assert.ok(!stored.includes('real'));
    // Another gateway with the same key reads it, and claims it again for the same original.
    assert.equal(await b.originalOf('ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), secret);
    assert.equal(
      await b.claim('ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', secret),
      'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    );
  });

  it('a gateway with another key gets a clear error, not a wrong original', async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const a = new SealedVault(redisVault(prefix), KEY);
    const stranger = new SealedVault(new RedisVault(REDIS, { prefix }), Buffer.alloc(32, 6));
    cleanups.push(() => stranger.close());
    await a.claim('/home/user', '/home/alice', 'k');
    await assert.rejects(stranger.originalOf('/home/user'), /must share surrogate\.key/);
    // Claiming: the entry under another key is no collision to step around (the stranger would
    // give the same values other surrogates than the gateways it shares the vault with).
    await assert.rejects(stranger.claim('/home/user', '/home/bob', 'k2'), /must share surrogate\.key/);
    await assert.rejects(stranger.claim('/home/user', '/home/alice', 'k3'), /must share surrogate\.key/);
    // With the right key, a collision is still just that.
    assert.equal(await a.claim('/home/user', '/home/bob', 'k4'), undefined);
    // The check a start makes: one stored entry opened.
    await a.checkKey();
    await assert.rejects(stranger.checkKey(), /must share surrogate\.key/);
  });

  it('an entry sealed by a newer Airlock is an error where it is met, not an original', async () => {
    // As a Redis vault shared with a newer gateway would hold it (vault.db is refused at open).
    const raw = new MemoryVault();
    await raw.claim('/home/user', 'sealed:v2:AAAAbbbbCCCCddddEEEEffff', 'k');
    const v = new SealedVault(raw, KEY);
    await assert.rejects(v.originalOf('/home/user'), /sealed as v2 by a newer Airlock \(this one opens v1\)/);
    // Read as clear, it would have been a collision, and /home/alice another surrogate.
    await assert.rejects(v.claim('/home/user', '/home/alice', 'k2'), /sealed as v2 by a newer Airlock/);
  });

  it('entries stored in clear before sealing are read and keep their surrogate', async () => {
    const dir = await tempDir();
    const plain = new SqliteVault(join(dir, 'vault.db'));
    await plain.claim('/home/user', '/home/alice', 'k');
    await plain.close();
    const v = openVault('sqlite', dir, KEY);
    cleanups.push(() => v.close());
    assert.equal(await v.originalOf('/home/user'), '/home/alice');
    assert.equal(await v.claim('/home/user', '/home/alice'), '/home/user');
    assert.equal(await v.claim('/home/user', '/home/bob'), undefined);
    const ctx = { reals: new Set<string>(), restoreSecrets: true, entries: new Map() };
    const natural = await new Surrogates(KEY, new MemoryVault()).surrogate('hostname', 'db.acme.corp', ctx);
    assert.equal(
      await new Surrogates(KEY, v).surrogate('hostname', 'db.acme.corp', { ...ctx, entries: new Map() }),
      natural,
    );
  });

  /** A vault.db as an Airlock before sealing wrote it: originals in clear, linked under `key`. */
  async function clearVault(key: Buffer): Promise<string> {
    const dir = await tempDir();
    const plain = new SqliteVault(join(dir, 'vault.db'));
    await plain.claim('/home/user', '/home/alice', valueKeyUnder(key, 'home-path', '/home/alice'));
    await plain.claim(
      'host-1.example.internal',
      'db.acme.corp',
      valueKeyUnder(key, 'hostname', 'db.acme.corp'),
    );
    // Linked to no value key (an escaped conflict): sealed with the rest.
    await plain.claim('AKIAZZZZZZZZZZZZZZZZ', 'AKIA1234567890ABCDEF');
    await plain.close();
    return dir;
  }
  const storedOriginals = (dir: string): string[] => {
    const db = new Database(join(dir, 'vault.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT original FROM vault_originals_v1 ORDER BY surrogate').all();
      return (rows as { original: string }[]).map((r) => r.original);
    } finally {
      db.close();
    }
  };

  it('entries stored in clear by an earlier Airlock are sealed at start, keeping their surrogates', async () => {
    const dir = await clearVault(KEY);
    const v = openVault('sqlite', dir, KEY) as SealedVault;
    cleanups.push(() => v.close());
    assert.deepEqual(await v.sealEntriesInClear(), { sealed: 3 });
    const stored = storedOriginals(dir);
    assert.equal(stored.length, 3);
    assert.ok(
      stored.every((o) => o.startsWith('sealed:v1:')),
      stored.join(', '),
    );
    for (const value of ['alice', 'acme', 'AKIA1234']) assert.ok(!stored.join().includes(value), value);
    assert.equal(await v.originalOf('/home/user'), '/home/alice');
    assert.equal(await v.originalOf('AKIAZZZZZZZZZZZZZZZZ'), 'AKIA1234567890ABCDEF');
    assert.equal(await v.claim('/home/user', '/home/alice'), '/home/user');
    assert.equal(await v.claim('/home/user', '/home/bob'), undefined);
    assert.deepEqual(await v.sealEntriesInClear(), { sealed: 0 }, 'once');
  });

  it("a shared Redis vault's entries in clear are sealed alike, by each gateway that starts", async () => {
    const prefix = `airlock-test:{${randomUUID()}}:`;
    const raw = redisVault(prefix);
    await raw.claim('/home/user', '/home/alice', valueKeyUnder(KEY, 'home-path', '/home/alice'));
    await raw.claim('AKIAZZZZZZZZZZZZZZZZ', 'AKIA1234567890ABCDEF');
    const a = new SealedVault(new RedisVault(REDIS, { prefix }), KEY);
    const b = new SealedVault(new RedisVault(REDIS, { prefix }), KEY);
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    // Two gateways of a team starting together: each entry is sealed once.
    const [ra, rb] = await Promise.all([a.sealEntriesInClear(), b.sealEntriesInClear()]);
    assert.equal(ra.sealed + rb.sealed, 2);
    for (const surrogate of ['/home/user', 'AKIAZZZZZZZZZZZZZZZZ'])
      assert.match((await raw.originalOf(surrogate)) ?? '', /^sealed:v1:/, surrogate);
    assert.equal(await b.originalOf('AKIAZZZZZZZZZZZZZZZZ'), 'AKIA1234567890ABCDEF');
    assert.equal(await a.claim('/home/user', '/home/alice'), '/home/user');
    assert.deepEqual(await a.sealEntriesInClear(), { sealed: 0 });
  });

  it('entries in clear that another key wrote are left as they are', async () => {
    const dir = await clearVault(Buffer.alloc(32, 9));
    const v = openVault('sqlite', dir, KEY) as SealedVault;
    cleanups.push(() => v.close());
    const before = storedOriginals(dir);
    assert.deepEqual(await v.sealEntriesInClear(), { sealed: 0, unverified: true });
    assert.deepEqual(storedOriginals(dir), before);
    assert.equal(await v.originalOf('/home/user'), '/home/alice');
  });
});
