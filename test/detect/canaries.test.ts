import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { base64Fragment } from '../../src/detect/canary-encodings.js';
import { learnCanaries, readMachineFacts, timeZoneNames } from '../../src/detect/canaries.js';
import { createEngine } from '../../src/detect/engine.js';
import type { ScanInput } from '../../src/detect/types.js';

const SECRET = 'Zq81-kLmT0pXv44-uuRw9';
const machine = {
  env: {
    HTTPS_PROXY: 'http://jdoe:Pr0xy-Pa55@squid.acme-corp.internal:3128',
    BILLING_API_TOKEN: SECRET,
    SSH_AUTH_SOCK: '/tmp/ssh-x/agent.1',
    SHORT_KEY: 'abc',
    FEATURE_FLAG: 'on',
  },
  home: '/home/mkowalski',
  hostname: 'wks-0231',
  fqdns: ['wks-0231.acme-corp.internal'],
  username: 'mkowalski',
  machineIds: ['4f1c2a9be0d34c6f8a1e7b2d9c3f5a60'],
  macs: ['3c:22:fb:7a:10:4e'],
  ips: ['10.20.0.57', '127.0.0.1'],
  gitName: 'Marta Kowalska',
  gitEmail: 'marta.kowalska@acme-corp.pl',
  timeZones: ['Europe/Warsaw'],
  readGit: false,
};
const canaries = learnCanaries(machine);
// Only canaries: the pattern rules are left out so each assertion is about canary matching.
const engine = createEngine({ rules: [], canaries });
const scan = (text: string): string[] =>
  engine
    .scan([{ path: [], role: 'tool_result', text } satisfies ScanInput])
    .map((f) => `${f.ruleId}=${text.slice(f.start, f.end)}`);

describe('learnCanaries', () => {
  it('learns host, user, home, machine id, MAC, IPs, git identity, proxy, time zone and secret env values', () => {
    const labels = canaries.map((c) => `${c.label}:${c.value}`);
    for (const expected of [
      'hostname:wks-0231',
      'hostname:wks-0231.acme-corp.internal',
      'username:mkowalski',
      'home:/home/mkowalski',
      'machine-id:4f1c2a9be0d34c6f8a1e7b2d9c3f5a60',
      'mac:3c:22:fb:7a:10:4e',
      'ip:10.20.0.57',
      'git-name:Marta Kowalska',
      'git-email:marta.kowalska@acme-corp.pl',
      'timezone:Europe/Warsaw',
      // The host alone: its port stays as it is in what leaves (squid…:3128 → host-N…:3128).
      'proxy:squid.acme-corp.internal',
      'secret-env:Pr0xy-Pa55',
      `secret-env:${SECRET}`,
      'username:jdoe',
    ]) {
      assert.ok(labels.includes(expected), `missing ${expected} in ${labels.join(', ')}`);
    }
    assert.ok(!labels.some((l) => l.includes('127.0.0.1')), 'loopback is not a fingerprint');
    assert.ok(
      !labels.some((l) => l.includes('/tmp/ssh-x') || l.endsWith(':abc') || l.endsWith(':on')),
      'paths, short and boolean env values are not secrets',
    );
  });

  it("learns a proxy's host without its port, an address as an address, a one-label name with its port", () => {
    const proxy = (url: string): string[] =>
      learnCanaries({ ...machine, env: { HTTPS_PROXY: url } })
        .filter((c) => c.label === 'proxy')
        .map((c) => `${c.kind}:${c.value}`);
    assert.deepEqual(proxy('http://squid.corp:3128'), ['hostname:squid.corp']);
    assert.deepEqual(proxy('http://10.20.0.5:8080'), ['ipv4:10.20.0.5']);
    assert.deepEqual(proxy('http://[fd00:12::7]:1080'), ['ipv6:fd00:12::7']);
    // `proxy` alone would be every word "proxy" of a request.
    assert.deepEqual(proxy('http://proxy:3128'), ['hostname:proxy:3128']);
  });

  it('skips common user and host names, which as words are everywhere', () => {
    const common = learnCanaries({
      ...machine,
      username: 'root',
      home: '/root',
      hostname: 'localhost',
      env: {},
      gitName: undefined,
      gitEmail: undefined,
    });
    assert.deepEqual(
      common
        .filter((c) => c.label === 'username' || c.label === 'hostname' || c.label === 'home')
        .map((c) => c.value),
      ['wks-0231.acme-corp.internal'],
    );
  });

  it('tolerates a machine without git', () => {
    const bare = learnCanaries({
      ...machine,
      env: { ...machine.env, PATH: '/nonexistent', HOME: '/nonexistent' },
      gitName: undefined,
      gitEmail: undefined,
      readGit: true,
    });
    assert.ok(bare.length > 0);
  });
});

describe('canary matching', () => {
  it('finds raw values, case-folded where that makes sense', () => {
    assert.deepEqual(scan('ssh WKS-0231 then'), ['canary.hostname=WKS-0231']);
    assert.deepEqual(scan('author MARTA KOWALSKA'), ['canary.git-name=MARTA KOWALSKA']);
    assert.deepEqual(scan(`token ${SECRET.toLowerCase()}`), [], 'secrets are case-sensitive');
    assert.deepEqual(scan(`token ${SECRET}!`), [`canary.secret-env=${SECRET}`]);
  });

  it('does not find a value inside a longer word', () => {
    assert.deepEqual(scan('wks-02310 xmkowalski mkowalskis'), []);
    assert.deepEqual(scan('dir -home-mkowalski-src'), ['canary.username=mkowalski']);
  });

  it('finds JSON-escaped and URL-encoded forms', () => {
    assert.deepEqual(scan(String.raw`{"cwd":"\/home\/mkowalski"}`), [
      String.raw`canary.home=\/home\/mkowalski`,
    ]);
    assert.deepEqual(scan('q=marta.kowalska%40acme-corp.pl&x'), [
      'canary.git-email=marta.kowalska%40acme-corp.pl',
    ]);
    assert.deepEqual(scan('tz=Europe%2FWarsaw'), ['canary.timezone=Europe%2FWarsaw']);
  });

  it('finds the base64 of a value at any byte offset, in both alphabets', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      const blob = Buffer.from(`${prefix}user=${SECRET};`).toString('base64');
      const found = scan(`data:${blob}`);
      assert.equal(found.length, 1, `prefix ${JSON.stringify(prefix)}: ${found.join(',')}`);
      assert.ok(found[0]!.startsWith('canary.secret-env='));
      const urlSafe = blob.replace(/\+/g, '-').replace(/\//g, '_');
      assert.equal(scan(`data:${urlSafe}`).length, 1);
    }
  });

  it('finds hex in either case', () => {
    const hex = Buffer.from('wks-0231').toString('hex');
    assert.deepEqual(scan(`id ${hex.toUpperCase()} end`), [`canary.hostname=${hex.toUpperCase()}`]);
  });

  it('reports secret env values as secrets and the rest as environment', () => {
    const [f] = engine.scan([{ path: ['x'], role: 'user', text: SECRET }]);
    assert.equal(f!.category, 'secret');
    assert.equal(f!.severity, 'critical');
    const [g] = engine.scan([{ path: ['x'], role: 'user', text: 'wks-0231' }]);
    assert.equal(g!.category, 'environment');
  });
});

describe('helpers', () => {
  it('base64Fragment is the part of the encoding that depends only on the value', () => {
    const value = Buffer.from('hello world');
    for (const align of [0, 1, 2] as const) {
      const frag = base64Fragment(value, align);
      for (const pad of ['x', 'yy', 'zzz']) {
        const bytes = Buffer.concat([Buffer.alloc(align, 7), value, Buffer.from(pad)]);
        assert.ok(bytes.toString('base64').includes(frag), `align ${align}`);
      }
    }
  });
});

describe('readMachineFacts', () => {
  const gitFacts = (gitconfig: string | undefined): { gitName?: string; gitEmail?: string } => {
    const home = mkdtempSync(join(tmpdir(), 'airlock-git-home-'));
    try {
      if (gitconfig !== undefined) writeFileSync(join(home, '.gitconfig'), gitconfig);
      // git reads the global config from HOME (and XDG_CONFIG_HOME): both point into the temp dir.
      const env = {
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
      };
      const facts = readMachineFacts({ env });
      return { gitName: facts.gitName, gitEmail: facts.gitEmail };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  it("reads the git identity from the user's global config, the last value of a key winning", () => {
    assert.deepEqual(
      gitFacts(
        '[user]\n\tname = First Name\n\temail = zelda@acme-widgets.com\n[user]\n\tname = Zelda Quist\n',
      ),
      { gitName: 'Zelda Quist', gitEmail: 'zelda@acme-widgets.com' },
    );
  });

  it('has no git identity when the config sets none', () => {
    assert.deepEqual(gitFacts('[core]\n\tautocrlf = false\n'), { gitName: undefined, gitEmail: undefined });
    assert.deepEqual(gitFacts(undefined), { gitName: undefined, gitEmail: undefined });
  });

  it('knows a symlinked home under its real path too, which a working directory carries', () => {
    const root = mkdtempSync(join(tmpdir(), 'airlock-home-'));
    try {
      // As FreeBSD has it: /home is a link to /usr/home.
      const real = join(root, 'usr', 'home', 'mkowalski');
      mkdirSync(real, { recursive: true });
      symlinkSync(join(root, 'usr', 'home'), join(root, 'home'));
      const home = join(root, 'home', 'mkowalski');
      const facts = readMachineFacts({ env: {}, home, readGit: false });
      assert.deepEqual(facts.homeAliases, [real]);
      const homes = learnCanaries({ ...machine, home, homeAliases: facts.homeAliases })
        .filter((c) => c.label === 'home')
        .map((c) => c.value);
      assert.deepEqual(homes, [home, real]);
      assert.deepEqual(readMachineFacts({ env: {}, home: real, readGit: false }).homeAliases, []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads only the key it is not given', () => {
    const home = mkdtempSync(join(tmpdir(), 'airlock-git-home-'));
    try {
      writeFileSync(
        join(home, '.gitconfig'),
        '[user]\n\tname = Zelda Quist\n\temail = zelda@acme-widgets.com\n',
      );
      const facts = readMachineFacts({
        env: { HOME: home, GIT_CONFIG_GLOBAL: join(home, '.gitconfig') },
        gitName: 'Given',
      });
      assert.equal(facts.gitName, 'Given');
      assert.equal(facts.gitEmail, 'zelda@acme-widgets.com');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('time zone names', () => {
  const never = (): string | undefined => assert.fail('the system zone is read only without $TZ');

  it("takes Intl's name and the system's IANA name, which differ for renamed zones", () => {
    assert.deepEqual(
      timeZoneNames(
        {},
        () => 'Asia/Calcutta',
        () => 'Asia/Kolkata',
      ),
      ['Asia/Calcutta', 'Asia/Kolkata'],
    );
    assert.deepEqual(
      timeZoneNames(
        {},
        () => 'Europe/Warsaw',
        () => 'Europe/Warsaw',
      ),
      ['Europe/Warsaw'],
    );
  });

  it('takes $TZ in every form a zone can be named in, and nothing that is not a name', () => {
    assert.deepEqual(
      timeZoneNames({ TZ: ':Europe/Kyiv' }, () => 'Europe/Kiev', never),
      ['Europe/Kiev', 'Europe/Kyiv'],
    );
    assert.deepEqual(
      timeZoneNames({ TZ: '/usr/share/zoneinfo/America/Argentina/Cordoba' }, () => 'America/Cordoba', never),
      ['America/Cordoba', 'America/Argentina/Cordoba'],
    );
    assert.deepEqual(
      timeZoneNames({ TZ: 'EST+5EDT,M3.2.0/2,M11.1.0/2' }, () => 'Etc/Unknown', never),
      ['Etc/Unknown'],
    );
  });

  it('learns a canary for each name, and finds either in a request', () => {
    const zones = learnCanaries({ ...machine, timeZones: ['Asia/Calcutta', 'Asia/Kolkata', 'Etc/UTC'] });
    assert.deepEqual(
      zones.filter((c) => c.label === 'timezone').map((c) => c.value),
      ['Asia/Calcutta', 'Asia/Kolkata'],
    );
    const zoneEngine = createEngine({ rules: [], canaries: zones });
    for (const zone of ['Asia/Calcutta', 'Asia/Kolkata']) {
      const text = `{"timezone":"${zone}"}`;
      const found = zoneEngine.scan([{ path: [], role: 'user', text }]);
      assert.ok(
        found.some((f) => text.slice(f.start, f.end) === zone),
        `${zone} not found`,
      );
    }
  });

  it("on this machine, both the name Node's Intl gives and the name $TZ gives", () => {
    // A child process, so that Intl reads the TZ it is given (ICU reads it once per process).
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const { readMachineFacts } = await import('./src/detect/canaries.ts');" +
          'console.log(JSON.stringify(readMachineFacts({ readGit: false }).timeZones));',
      ],
      {
        cwd: new URL('../..', import.meta.url),
        env: { ...process.env, TZ: 'Asia/Kolkata' },
        encoding: 'utf8',
      },
    );
    assert.deepEqual(JSON.parse(out) as string[], ['Asia/Calcutta', 'Asia/Kolkata']);
  });
});
