import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ValueKind } from '../../src/detect/types.js';
import { loadOrCreateKey, Surrogates, type RequestContext } from '../../src/redact/surrogates.js';
import { MemoryVault } from '../../src/redact/vault.js';
import { markRun } from '../../src/detect/runs.js';
import type { ScanInput } from '../../src/detect/types.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'airlock-surr-'));
  dirs.push(d);
  return d;
}

function ctx(reals: string[] = [], restoreSecrets = true): RequestContext {
  return { reals: new Set(reals), restoreSecrets, entries: new Map() };
}

/** A request's texts as the inspector hands them over. */
function textsOf(...texts: string[]): ScanInput[] {
  return texts.map((text) => ({ path: [], role: 'user', text }));
}

const KEY = Buffer.alloc(32, 7);

describe('loadOrCreateKey', () => {
  it('creates 32 random bytes with mode 0600 and reads the same key back', async () => {
    const dir = await tempDir();
    const a = loadOrCreateKey(join(dir, 'data'));
    const b = loadOrCreateKey(join(dir, 'data'));
    assert.equal(a.length, 32);
    assert.deepEqual(a, b);
    const st = await stat(join(dir, 'data', 'surrogate.key'));
    assert.equal(st.mode & 0o777, 0o600);
    const other = loadOrCreateKey(join(dir, 'other'));
    assert.notDeepEqual(a, other);
  });
});

describe('Surrogates', () => {
  it('is deterministic across instances sharing a key, and differs under another key', async () => {
    const values: [ValueKind, string][] = [
      ['hostname', 'build-07.corp.acme.com'],
      ['email', 'alice@acme.com'],
      ['ipv4', '10.1.2.3'],
      ['aws-access-key', 'AKIAIOSFODNN7EXAMPLE'],
      ['uuid', '3f2b8c1e-9a4d-4e21-b7c3-1d2e3f4a5b6c'],
    ];
    const a = new Surrogates(KEY, new MemoryVault());
    const b = new Surrogates(KEY, new MemoryVault());
    const c = new Surrogates(Buffer.alloc(32, 9), new MemoryVault());
    let differs = 0;
    for (const [kind, v] of values) {
      const sa = await a.surrogate(kind, v, ctx());
      assert.equal(await b.surrogate(kind, v, ctx()), sa);
      assert.notEqual(sa, v);
      if ((await c.surrogate(kind, v, ctx())) !== sa) differs++;
    }
    assert.ok(differs >= 3, 'another key gives other surrogates');
  });

  it('does not take a link another request made meanwhile when it occurs in this request', async () => {
    // Another request (on this gateway or another one sharing the vault) links the home to
    // `/home/user` between this request's lookup, which found nothing, and its claim.
    class RacedVault extends MemoryVault {
      override surrogateOf(): Promise<string | undefined> {
        return Promise.resolve(undefined);
      }
    }
    const vault = new RacedVault();
    const s = new Surrogates(KEY, vault);
    await vault.claim('/home/user', '/home/zed', s.valueKey('home-path', '/home/zed'));
    const c: RequestContext = { ...ctx(), inputs: textsOf('Mine is /home/zed; the image uses /home/user') };
    const sur = await s.surrogate('home-path', '/home/zed', c);
    assert.notEqual(sur, '/home/user', 'the literal /home/user in the request stays unambiguous');
    assert.equal(c.entries.get('/home/user'), undefined);
    assert.equal(c.entries.get(sur)?.original, '/home/zed');
    // A request without the literal uses the shared link, as every gateway does.
    assert.equal(await s.surrogate('home-path', '/home/zed', ctx()), '/home/user');
  });

  it('puts back the home of a project path in every request, not only the one that made it', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    for (const turn of [1, 2, 3]) {
      const c = ctx();
      const project = await s.surrogate('project-path', '/home/kate/src/ledger-ui', c);
      assert.match(project, /^\/home\/user\/project-\d+$/);
      // The model names the home alone ("your ~/.bashrc is /home/user/.bashrc"), or flattened.
      assert.equal(c.entries.get('/home/user')?.original, '/home/kate', `turn ${turn}`);
      assert.equal(c.entries.get('-home-user')?.original, '-home-kate', `turn ${turn}`);
    }
  });

  it('keeps the shape of each kind', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const c = ctx();
    assert.equal(await s.surrogate('home-path', '/home/alice', c), '/home/user');
    assert.equal(await s.surrogate('home-path', '/Users/alice', c), '/Users/user');
    assert.equal(await s.surrogate('home-path', 'C:\\Users\\alice', c), 'C:\\Users\\user');
    assert.match(await s.surrogate('project-path', '/home/alice/acme-api', c), /^\/home\/user\/project-\d+$/);
    assert.equal(await s.surrogate('path', '/home/alice/notes/todo.md', c), '/home/user/notes/todo.md');
    assert.equal(
      await s.surrogate('home-path', '-home-alice', c),
      '-home-user',
      'flattened like the home itself',
    );
    assert.match(await s.surrogate('hostname', 'db.acme.corp', c), /^host-\d+\.example\.internal$/);
    assert.match(await s.surrogate('username', 'alice', c), /^user-\d+$/);
    assert.match(await s.surrogate('email', 'alice@acme.com', c), /^user-\d+@example\.com$/);
    assert.match(await s.surrogate('ipv4', '10.0.0.7', c), /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/);
    assert.match(await s.surrogate('ipv6', 'fe80::1ff:fe23:4567:890a', c), /^2001:db8::[0-9a-f]+$/);
    assert.match(await s.surrogate('mac', 'a4:83:e7:12:34:56', c), /^00:00:5e:00:53:[0-9a-f]{2}$/);
    assert.equal(await s.surrogate('timezone', 'Europe/Berlin', c), 'UTC');
    assert.equal(await s.surrogate('locale', 'de_DE.UTF-8', c), 'en_US.UTF-8');
    assert.match(
      await s.surrogate('uuid', '3f2b8c1e-9a4d-4e21-b7c3-1d2e3f4a5b6c', c),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-b[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.match(await s.surrogate('machine-id', '0123456789abcdef0123456789abcdef', c), /^[0-9a-f]{32}$/);
    assert.match(await s.surrogate('aws-access-key', 'AKIAIOSFODNN7EXAMPLE', c), /^AKIA[A-Z0-9]{16}$/);
    const ghp = `ghp_${'aB3'.repeat(12)}`;
    assert.match(await s.surrogate('github-token', ghp, c), /^ghp_[A-Za-z0-9]{36}$/);
    // A PyPI token keeps the macaroon's readable location; a base64 PEM key stays a PEM key.
    const pypi = `pypi-AgEIcHlwaS5vcmc${'Q2x4'.repeat(20)}`;
    const pypiStand = await s.surrogate('token', pypi, c);
    assert.ok(pypiStand.startsWith('pypi-AgEIcHlwaS5vcmc') && pypiStand !== pypi, pypiStand);
    assert.equal(pypiStand.length, pypi.length);
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEAx3'.repeat(8)}\n-----END RSA PRIVATE KEY-----\n`;
    const b64 = Buffer.from(pem).toString('base64');
    const b64Stand = await s.surrogate('private-key', b64, c);
    assert.notEqual(b64Stand, b64);
    assert.equal(b64Stand.length, b64.length);
    const decoded = Buffer.from(b64Stand, 'base64').toString('latin1');
    assert.match(decoded, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
    assert.match(
      await s.surrogate('anthropic-key', `sk-ant-api03-${'x'.repeat(90)}AA`, c),
      /^sk-ant-api03-[a-z]{90}[A-Z]{2}$/,
    );
    const jwt = await s.surrogate('jwt', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl', c);
    const [h, p] = jwt.split('.');
    assert.equal(JSON.parse(Buffer.from(h ?? '', 'base64url').toString()).typ, 'JWT');
    assert.equal(typeof JSON.parse(Buffer.from(p ?? '', 'base64url').toString()).sub, 'string');
    assert.equal(await s.surrogate('runtime-version', 'v20.11.1', c), 'v20.0.0');
  });

  it('keeps the separators of escaped and Windows homes', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const c = ctx();
    // JSON-escaped inside a tool result's text: the separators stay doubled.
    assert.equal(await s.surrogate('home-path', 'C:\\\\Users\\\\carol', c), 'C:\\\\Users\\\\user');
    assert.equal(
      await s.surrogate('path', 'C:\\\\Users\\\\carol\\\\x.txt', c),
      'C:\\\\Users\\\\user\\\\x.txt',
    );
    // A user name with a space is one home.
    assert.equal(await s.surrogate('home-path', 'C:\\Users\\John Doe', c), 'C:\\Users\\user');
  });

  it('restorable surrogates are recorded for the request; version strings are not', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const c = ctx();
    const host = await s.surrogate('hostname', 'db.acme.corp', c);
    await s.surrogate('timezone', 'Europe/Berlin', c);
    const project = await s.surrogate('project-path', '/home/alice/acme-api', c);
    assert.deepEqual(c.entries.get(host), { original: 'db.acme.corp', secret: false });
    assert.equal(c.entries.get('UTC'), undefined);
    assert.equal(c.entries.get(project)?.original, '/home/alice/acme-api');
    assert.equal(c.entries.get('/home/user')?.original, '/home/alice', 'the home prefix has its own entry');
  });

  it('secrets are stored for restoration only when the policy allows it', async () => {
    const vault = new MemoryVault();
    const s = new Surrogates(KEY, vault);
    const c = ctx([], false);
    const sur = await s.surrogate('aws-access-key', 'AKIAIOSFODNN7EXAMPLE', c, true);
    assert.equal(c.entries.size, 0);
    assert.equal(await vault.originalOf(sur), undefined);
    const c2 = ctx([], true);
    assert.equal(
      await s.surrogate('aws-access-key', 'AKIAIOSFODNN7EXAMPLE', c2, true),
      sur,
      'same surrogate either way',
    );
    assert.equal(c2.entries.get(sur)?.secret, true);
  });

  it('never reuses a surrogate the vault holds for another original, and sticks to the next one', async () => {
    const vault = new MemoryVault();
    const probe = new Surrogates(KEY, new MemoryVault());
    const natural = await probe.surrogate('hostname', 'db.acme.corp', ctx());
    await vault.claim(natural, 'someone-else.example', 'other-key');
    const s = new Surrogates(KEY, vault);
    const moved = await s.surrogate('hostname', 'db.acme.corp', ctx());
    assert.notEqual(moved, natural);
    assert.match(moved, /^host-\d+\.example\.internal$/);
    const again = new Surrogates(KEY, vault);
    assert.equal(
      await again.surrogate('hostname', 'db.acme.corp', ctx()),
      moved,
      'the vault link survives a restart',
    );
  });

  it('never equals another real value of the same request', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const natural = await new Surrogates(KEY, new MemoryVault()).surrogate('hostname', 'db.acme.corp', ctx());
    const c = ctx([natural, 'db.acme.corp']);
    const sur = await s.surrogate('hostname', 'db.acme.corp', c);
    assert.notEqual(sur, natural);
    // Two home directories in one request cannot both be /home/user.
    const c2 = ctx(['/home/alice', '/home/bob']);
    const a = await s.surrogate('home-path', '/home/alice', c2);
    const b = await s.surrogate('home-path', '/home/bob', c2);
    assert.notEqual(a, b);
  });

  it('a surrogate avoids a literal already in the request, a known one for that request only', async () => {
    const natural = await new Surrogates(KEY, new MemoryVault()).surrogate('hostname', 'db.acme.corp', ctx());
    const s = new Surrogates(KEY, new MemoryVault());
    const literal = { ...ctx(['db.acme.corp']), inputs: textsOf(`ssh ${natural} && ssh db.acme.corp`) };
    const moved = await s.surrogate('hostname', 'db.acme.corp', literal);
    assert.notEqual(moved, natural);
    // A prefix of a longer word is no conflict: /home/user vs /home/users.
    const home = await new Surrogates(KEY, new MemoryVault()).surrogate('home-path', '/home/alice', {
      ...ctx(),
      inputs: textsOf('ls /home/users'),
    });
    assert.equal(home, '/home/user');
    // A random-shaped secret surrogate in the request is one of ours carried back: kept.
    const key = await new Surrogates(KEY, new MemoryVault()).surrogate(
      'aws-access-key',
      'AKIAIOSFODNN7EXAMPLE',
      ctx(),
      true,
    );
    const fresh = new Surrogates(KEY, new MemoryVault());
    assert.equal(
      await fresh.surrogate(
        'aws-access-key',
        'AKIAIOSFODNN7EXAMPLE',
        { ...ctx(), inputs: textsOf(`key ${key}`) },
        true,
      ),
      key,
    );
    // A known surrogate that a later request holds as a literal (a Dockerfile's WORKDIR) gives
    // way there: restoring the model's echo of it would write the original into the file. The
    // value keeps its surrogate everywhere else.
    const again = await s.surrogate('hostname', 'db.acme.corp', {
      ...ctx(['db.acme.corp']),
      inputs: textsOf(`ssh db.acme.corp; echo ${moved}`),
    });
    assert.notEqual(again, moved);
    assert.equal(
      await s.surrogate('hostname', 'db.acme.corp', { ...ctx(), inputs: textsOf('ssh db.acme.corp') }),
      moved,
    );
  });

  it('finds a literal in remembered inputs (a run) as in new ones, request after request', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const home = await s.surrogate('home-path', '/home/jsmith', ctx());
    // The tool definitions and earlier turns: the same frozen inputs every request.
    const run = Object.freeze(
      [`FROM node\nWORKDIR ${home}`, 'unrelated'].map((text) =>
        Object.freeze({ path: Object.freeze([]), role: 'tool_result' as const, text }),
      ),
    );
    markRun(run);
    const clean = Object.freeze(
      textsOf('nothing').map((i) => Object.freeze({ ...i, path: Object.freeze([]) })),
    );
    markRun(clean);
    for (let turn = 0; turn < 3; turn++) {
      const withLiteral = { ...ctx(['/home/jsmith']), inputs: [...run, ...textsOf(`turn ${turn}`)] };
      assert.notEqual(await s.surrogate('home-path', '/home/jsmith', withLiteral), home, `turn ${turn}`);
      const without = { ...ctx(['/home/jsmith']), inputs: [...clean, ...textsOf(`turn ${turn}`)] };
      assert.equal(await s.surrogate('home-path', '/home/jsmith', without), home, `turn ${turn}`);
    }
  });

  it('keeps a known surrogate that only sealed text (signed thinking) holds, loose or remembered', async () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const home = await s.surrogate('home-path', '/home/jsmith', ctx());
    // The model wrote our surrogate in its thinking, which goes back as signed: no literal.
    const thinking = `The config is in ${home}/.config`;
    const sealed: ScanInput = { path: [], role: 'assistant', text: thinking, signed: true, sealed: true };
    const loose = { ...ctx(['/home/jsmith']), inputs: [sealed, ...textsOf('ls /home/jsmith')] };
    assert.equal(await s.surrogate('home-path', '/home/jsmith', loose), home);
    const run = Object.freeze([Object.freeze({ ...sealed, path: Object.freeze([]) })]);
    markRun(run);
    const remembered = { ...ctx(['/home/jsmith']), inputs: [...run, ...textsOf('ls /home/jsmith')] };
    assert.equal(await s.surrogate('home-path', '/home/jsmith', remembered), home);
    // The same words in text that is not sealed are a literal, as before.
    const literal = { ...ctx(['/home/jsmith']), inputs: textsOf(thinking, 'ls /home/jsmith') };
    assert.notEqual(await s.surrogate('home-path', '/home/jsmith', literal), home);
  });

  it('tracking ids depend on the place only and keep their shape', () => {
    const s = new Surrogates(KEY, new MemoryVault());
    const a = s.tracking('3f2b8c1e-9a4d-4e21-b7c3-1d2e3f4a5b6c', 'metadata.user_id');
    const b = s.tracking('11111111-2222-4333-8444-555555555555', 'metadata.user_id');
    const c = s.tracking('3f2b8c1e-9a4d-4e21-b7c3-1d2e3f4a5b6c', 'header:x-session-id');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(
      a.slice(0, 19) + a.slice(20),
      b.slice(0, 19) + b.slice(20),
      'only the kept variant character differs',
    );
    assert.notEqual(a, c);
  });
});

describe('small surrogate spaces used up', () => {
  // One large log (kubectl -o wide, an ARP table, an access log) or a team's vault over months
  // holds more values of a kind than the small space has surrogates: each still gets its own.
  for (const [kind, count, value, shape] of [
    [
      'ipv4',
      2000,
      (i: number) => `10.42.${i >> 8}.${i & 255}`,
      /^(?:192\.0\.2|198\.51\.100|203\.0\.113|198\.1[89]\.\d+)\.\d+$/,
    ],
    [
      'mac',
      700,
      (i: number) =>
        `3c:22:fb:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      /^0[02]:00:5e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/,
    ],
    ['username', 10_500, (i: number) => `dev${i}`, /^user-\d+$/],
  ] as const) {
    it(`gives ${count} ${kind} values distinct surrogates of the kind's shape`, async () => {
      const s = new Surrogates(KEY, new MemoryVault());
      const c = ctx();
      const seen = new Map<string, string>();
      for (let i = 0; i < count; i++) {
        const original = value(i);
        const surrogate = await s.surrogate(kind, original, c);
        assert.match(surrogate, shape, `${original} → ${surrogate}`);
        assert.notEqual(surrogate, original);
        const other = seen.get(surrogate);
        assert.equal(other, undefined, `${original} and ${other} both → ${surrogate}`);
        seen.set(surrogate, original);
      }
      // And the same again for the same value, the next request too.
      assert.equal(await s.surrogate(kind, value(count - 1), ctx()), [...seen.keys()].at(-1));
    });
  }
});
