/**
 * env.env-variable gives each value of an `env` dump the surrogate of what it holds: a user name
 * `user-N` (the one the same name gets elsewhere in the request), a host `host-N`, a home
 * `/home/user` and the paths below it, addresses from the documentation ranges, a time zone
 * `UTC`, a session id of the same shape. It used to blank them all (kind `text`): the model saw
 * `USER=` beside `/home/user`, and nothing came back in the answer. Airlock's own surrogates
 * (`USER=user-3`, `HOME=/home/user`, `HOSTNAME=host-3`) are no findings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { inspectUserMessage } from '../helpers/inspect-message.js';

const engine = createEngine();

/** `<rule> <kind> <value>` of each finding in a user message. */
function kinds(text: string): string[] {
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'user', text }])
    .map((f) => `${f.ruleId} ${f.kind} ${text.slice(f.start, f.end)}`);
}

/** The value of `NAME=` on its own line of a dump. */
function valueOf(dump: string, name: string): string {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(dump);
  assert.ok(m, `${name}= in ${dump}`);
  return m[1]!;
}

describe('env.env-variable: a surrogate of the kind of each value', () => {
  // `env` through a CLI's shell tool on a Linux workstation, user mkowalski logged in over SSH.
  const linux = [
    '$ env',
    'SHELL=/bin/bash',
    'USER=mkowalski',
    'LOGNAME=mkowalski',
    'HOME=/home/mkowalski',
    'OLDPWD=/home/mkowalski',
    'HOSTNAME=wks-0231',
    'MAIL=/var/mail/mkowalski',
    'SSH_CONNECTION=10.1.2.3 51234 10.1.2.9 22',
    'SSH_CLIENT=10.1.2.3 51234 22',
    'SSH_AUTH_SOCK=/tmp/ssh-kPq3Jx8Ylm2c/agent.81231',
    'XDG_SESSION_ID=c3',
    'XDG_RUNTIME_DIR=/run/user/41207',
    'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus',
    'KUBECONFIG=/home/mkowalski/.kube/acme-prod.yaml',
    'AWS_PROFILE=acme-billing',
    'TZ=Europe/Warsaw',
    'LANG=en_US.UTF-8',
    'PATH=/usr/local/bin:/usr/bin:/bin',
    '$ ls -ld ~',
    'drwxr-x--- 31 mkowalski mkowalski 4096 Nov 29 05:12 /home/mkowalski',
  ].join('\n');

  it('replaces each value by a surrogate of its kind, the same one as elsewhere in the request', async () => {
    const r = await inspectUserMessage(linux);
    const sent = r.sent;
    const user = valueOf(sent, 'USER');
    assert.match(user, /^user-\d+$/);
    assert.equal(valueOf(sent, 'LOGNAME'), user, 'one name, one surrogate');
    assert.ok(sent.includes(`31 ${user} ${user} 4096`), 'the same name in ls -l output');
    assert.equal(valueOf(sent, 'HOME'), '/home/user');
    assert.equal(valueOf(sent, 'KUBECONFIG'), '/home/user/.kube/acme-prod.yaml');
    assert.match(valueOf(sent, 'HOSTNAME'), /^host-\d+$/);
    // The mail spool is every machine's: only the mailbox, the user's name, is replaced.
    assert.equal(valueOf(sent, 'MAIL'), `/var/mail/${user}`);
    assert.match(valueOf(sent, 'XDG_RUNTIME_DIR'), /^\/data\/path-\d+$/);
    // The agent's socket is a path (it was taken for a secret by its *_AUTH_* name).
    assert.match(valueOf(sent, 'SSH_AUTH_SOCK'), /^\/data\/path-\d+\.81231$/);
    const doc = String.raw`(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d+`;
    assert.match(valueOf(sent, 'SSH_CONNECTION'), new RegExp(`^${doc} 51234 ${doc} 22$`));
    const client = valueOf(sent, 'SSH_CONNECTION').split(' ')[0]!;
    assert.equal(valueOf(sent, 'SSH_CLIENT'), `${client} 51234 22`, 'one address, one surrogate');
    assert.equal(valueOf(sent, 'TZ'), 'UTC');
    // An opaque profile name keeps its shape (letters, a dash, letters).
    assert.match(valueOf(sent, 'AWS_PROFILE'), /^[a-z]{4}-[a-z]{7}$/);
    assert.notEqual(valueOf(sent, 'AWS_PROFILE'), 'acme-billing');
    // Values that name no one go as they are.
    for (const kept of [
      'SHELL=/bin/bash',
      'XDG_SESSION_ID=c3',
      'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus',
      'PATH=/usr/local/bin:/usr/bin:/bin',
    ])
      assert.ok(sent.includes(kept), kept);
    for (const leak of [
      'mkowalski',
      'wks-0231',
      '10.1.2.',
      'Warsaw',
      'acme-billing',
      '41207',
      'kPq3Jx8Ylm2c',
    ])
      assert.ok(!r.body.includes(leak), `${leak} left`);
    // Nothing is blanked any more.
    assert.ok(!/^[A-Z_]+=$/m.test(sent), sent);
  });

  it('restores every value in the answer but the time zone, which is never put back', async () => {
    const r = await inspectUserMessage(linux);
    assert.equal(r.answer(r.sent), linux.replace('TZ=Europe/Warsaw', 'TZ=UTC'));
    // The model's own sentence with the surrogates, as it would write it.
    const user = valueOf(r.sent, 'USER');
    const host = valueOf(r.sent, 'HOSTNAME');
    assert.equal(
      r.answer(`Run as ${user} on ${host}: KUBECONFIG=${valueOf(r.sent, 'KUBECONFIG')}`),
      'Run as mkowalski on wks-0231: KUBECONFIG=/home/mkowalski/.kube/acme-prod.yaml',
    );
  });

  it('reports the kind of each variable', () => {
    assert.deepEqual(
      kinds(
        [
          'USER=mkowalski',
          'HOSTNAME=wks-0231',
          'HOME=/home/mkowalski',
          'MAIL=/var/spool/mail/mkowalski',
          'SSH_CLIENT=85.12.3.4 51234 22',
          'SSH_CONNECTION=fe80::1c2b:3aff:fe4d:5e6f 51234 2a02:810d:4b3f:a100::5 22',
          'TZ=America/Sao_Paulo',
          'WT_SESSION=5f1c8a4e-2b7d-4c3e-9a1f-0d6e8b2c4a7f',
          'USERDOMAIN=ACMECORP',
        ].join('\n'),
      ),
      [
        'env.env-variable username mkowalski',
        'env.hostname-context hostname wks-0231',
        'env.home-path home-path /home/mkowalski',
        'env.env-variable username mkowalski',
        // env.ipv4 reads SSH_CLIENT= as an address context too: the same span, the same kind.
        'env.ipv4 ipv4 85.12.3.4',
        'env.ipv6 ipv6 fe80::1c2b:3aff:fe4d:5e6f',
        'env.ipv6 ipv6 2a02:810d:4b3f:a100::5',
        'env.timezone-iana timezone America/Sao_Paulo',
        'env.env-variable opaque-id 5f1c8a4e-2b7d-4c3e-9a1f-0d6e8b2c4a7f',
        'env.env-variable hostname ACMECORP',
      ],
    );
  });

  it('finds the server address of a public SSH_CONNECTION, quoted or not', () => {
    for (const text of [
      'SSH_CONNECTION=85.12.3.4 51234 93.184.216.34 22',
      'export SSH_CONNECTION="85.12.3.4 51234 93.184.216.34 22"',
    ])
      assert.deepEqual(kinds(text), ['env.env-variable ipv4 85.12.3.4', 'env.ipv4 ipv4 93.184.216.34'], text);
  });

  it('printenv on a Mac: home, temp dir, terminal session ids', async () => {
    const mac = [
      '$ printenv',
      'TMPDIR=/var/folders/7q/kx2m9d1s4bz0f3_8wq1cgn5r0000gn/T/',
      'USER=jnowak',
      'HOME=/Users/jnowak',
      'LOGNAME=jnowak',
      'TERM_SESSION_ID=w0t0p0:8F2C1A5E-3B7D-4C9E-A1F0-6D2E8B4C7A13',
      'ITERM_SESSION_ID=w0t0p0:8F2C1A5E-3B7D-4C9E-A1F0-6D2E8B4C7A13',
      'SHELL=/bin/zsh',
    ].join('\n');
    const r = await inspectUserMessage(mac);
    assert.equal(valueOf(r.sent, 'HOME'), '/Users/user');
    assert.match(valueOf(r.sent, 'USER'), /^user-\d+$/);
    assert.equal(valueOf(r.sent, 'LOGNAME'), valueOf(r.sent, 'USER'));
    assert.match(valueOf(r.sent, 'TMPDIR'), /^\/data\/path-\d+$/);
    const session = valueOf(r.sent, 'TERM_SESSION_ID');
    assert.match(
      session,
      /^[a-z]\d[a-z]\d[a-z]\d:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
    );
    assert.equal(valueOf(r.sent, 'ITERM_SESSION_ID'), session, 'one id, one surrogate');
    assert.ok(!r.body.includes('jnowak') && !r.body.includes('8F2C1A5E') && !r.body.includes('kx2m9d1s'));
    assert.equal(r.answer(r.sent), mac);
  });

  it("a Dockerfile's ENV: the user and home are replaced and restored, the zone kept in the file", async () => {
    const dockerfile = [
      'FROM node:20-bookworm',
      'ENV USER=mkowalski HOME=/home/mkowalski TZ=Europe/Warsaw',
      'WORKDIR /home/mkowalski/app',
    ].join('\n');
    const r = await inspectUserMessage(dockerfile);
    assert.match(r.sent, /^ENV USER=user-\d+ HOME=\/home\/user TZ=UTC$/m);
    assert.ok(r.sent.includes('WORKDIR /home/user/app'));
    assert.equal(r.answer(r.sent), dockerfile.replace('Europe/Warsaw', 'UTC'));
    assert.deepEqual(
      kinds('ENV USER=node HOME=/home/node SHELL=/bin/sh'),
      [],
      "an image's own user names no one",
    );
  });

  it('Windows (cmd set): user, domain, logon server, home path', async () => {
    const set = [
      'C:\\> set',
      'HOMEPATH=\\Users\\anna.schmidt',
      'LOGONSERVER=\\\\DC01-WAW',
      'USERDOMAIN=ACMECORP',
      'USERNAME=anna.schmidt',
      'USERPROFILE="C:\\Users\\anna.schmidt"',
    ].join('\n');
    assert.deepEqual(kinds(set), [
      'env.env-variable username anna.schmidt',
      'env.env-variable hostname DC01-WAW',
      'env.env-variable hostname ACMECORP',
      'env.env-variable username anna.schmidt',
      'env.windows-home-path home-path C:\\Users\\anna.schmidt',
    ]);
    const r = await inspectUserMessage(set);
    const user = valueOf(r.sent, 'USERNAME');
    assert.match(user, /^user-\d+$/);
    assert.equal(valueOf(r.sent, 'HOMEPATH'), `\\Users\\${user}`);
    assert.match(valueOf(r.sent, 'LOGONSERVER'), /^\\\\host-\d+$/);
    assert.equal(valueOf(r.sent, 'USERPROFILE'), '"C:\\Users\\user"');
    assert.ok(!r.body.includes('anna') && !r.body.includes('DC01') && !r.body.includes('ACMECORP'));
    assert.equal(r.answer(r.sent), set);
  });

  it('Windows (PowerShell Get-ChildItem env:): the rows of the listing, not a name and spaces elsewhere', async () => {
    const listing = [
      'PS C:\\Users\\anna.schmidt> Get-ChildItem env:',
      '',
      'Name                           Value',
      '----                           -----',
      'ALLUSERSPROFILE                C:\\ProgramData',
      'APPDATA                        C:\\Users\\anna.schmidt\\AppData\\Roaming',
      'COMPUTERNAME                   DESKTOP-8F3K2L1',
      'HOMEDRIVE                      C:',
      'HOMEPATH                       \\Users\\anna.schmidt',
      'LOGONSERVER                    \\\\DC01-WAW',
      'OS                             Windows_NT',
      'USERDNSDOMAIN                  EMEA.CONTOSO-CORP.INTERNAL',
      'USERDOMAIN                     ACMECORP',
      'USERDOMAIN_ROAMINGPROFILE      ACMECORP',
      'USERNAME                       anna.schmidt',
      'USERPROFILE                    C:\\Users\\anna.schmidt',
      '',
    ].join('\n');
    assert.deepEqual(
      kinds(listing).filter((f) => f.startsWith('env.env-variable')),
      [
        'env.env-variable hostname DESKTOP-8F3K2L1',
        'env.env-variable username anna.schmidt',
        'env.env-variable hostname DC01-WAW',
        'env.env-variable hostname EMEA.CONTOSO-CORP.INTERNAL',
        'env.env-variable hostname ACMECORP',
        'env.env-variable username anna.schmidt',
      ],
    );
    const r = await inspectUserMessage(listing);
    const row = (name: string): string => new RegExp(`^${name} +(.*)$`, 'm').exec(r.sent)![1]!;
    const user = row('USERNAME');
    assert.match(user, /^user-\d+$/);
    assert.equal(row('HOMEPATH'), `\\Users\\${user}`);
    assert.match(row('COMPUTERNAME'), /^host-\d+$/);
    assert.match(row('LOGONSERVER'), /^\\\\host-\d+$/);
    assert.match(row('USERDNSDOMAIN'), /^host-\d+\.example\.internal$/);
    assert.match(row('USERDOMAIN'), /^host-\d+$/);
    assert.equal(row('USERDOMAIN_ROAMINGPROFILE'), row('USERDOMAIN'), 'one domain, one surrogate');
    assert.equal(row('USERPROFILE'), 'C:\\Users\\user');
    assert.equal(row('OS'), 'Windows_NT');
    for (const leak of ['anna', 'DESKTOP-8F3K2L1', 'DC01', 'CONTOSO', 'ACMECORP'])
      assert.ok(!r.body.includes(leak), `${leak} left`);
    assert.equal(r.answer(r.sent), listing);
    // The same words outside such a listing are prose.
    assert.deepEqual(
      kinds('USERNAME    the name the user logs in with\nCOMPUTERNAME   set by the installer'),
      [],
    );
  });

  it("Airlock's own surrogates and values that name no one are not findings", async () => {
    const own = [
      'USER=user-3',
      'LOGNAME=user-3',
      'HOME=/home/user',
      'HOSTNAME=host-3',
      'MAIL=/data/path-17',
      'MAIL=/var/mail/user-3',
      'USERPROFILE="C:\\Users\\user"',
      'SSH_CONNECTION=192.0.2.7 51234 198.51.100.9 22',
      'TZ=UTC',
    ].join('\n');
    assert.deepEqual(kinds(own), []);
    const r = await inspectUserMessage(own);
    assert.equal(r.sent, own);
    assert.deepEqual(r.rules, []);
    assert.deepEqual(
      kinds(
        [
          'USER=root',
          'USER=runner',
          'USERNAME=$USER',
          'HOME=/root',
          'SHELL=/usr/local/bin/fish',
          'DISPLAY=localhost:10.0',
          'AWS_PROFILE=default',
          'KUBECONFIG=~/.kube/config',
        ].join('\n'),
      ),
      [],
    );
  });
});
