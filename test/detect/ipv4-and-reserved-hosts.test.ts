/**
 * Two gaps the prompt-cache harness found: a private IPv4 address followed by a capitalised word
 * was taken for a section number and left in the body, and Airlock's own host surrogates
 * (host-N.example.internal) were reported as private host names on every turn that repeated one.
 * Checked through the engine and through the policy inspector (what leaves, what is audited).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learnCanaries } from '../../src/detect/canaries.js';
import { createEngine } from '../../src/detect/engine.js';
import { macShape, WIDE } from '../../src/redact/shapes.js';
import { findingsIn as found, inspectUserMessage } from '../helpers/inspect-message.js';

/** What the inspector sends for one user message (the whole body), and the rules of its findings. */
async function inspect(text: string): Promise<{ sent: string; rules: string[] }> {
  const r = await inspectUserMessage(text, {
    key: Buffer.alloc(32, 5),
    headers: { 'user-agent': 'claude-cli/2.0.14 (external, cli)' },
  });
  return { sent: r.body, rules: r.rules };
}

describe('private IPv4 before a capitalised word', () => {
  it('is an address inside a sentence, whatever word follows', () => {
    for (const [text, ip] of [
      ['connect to 10.20.30.40 Connection refused', '10.20.30.40'],
      ['ssh: connect to host 192.168.7.21 port 22: Connection refused', '192.168.7.21'],
      ['curl: (7) Failed to connect to 172.16.4.9. Is the server up?', '172.16.4.9'],
      ['error: 10.0.3.17 Timeout', '10.0.3.17'],
    ] as const)
      assert.ok(found(text).includes(`env.ipv4 ${ip}`), `${text}: ${found(text).join(', ')}`);
  });

  it('is still a section number where a heading starts a line', () => {
    for (const text of [
      '10.2.1.3. Let x be the input',
      'intro\n  10.2.1.3 Let x be the input',
      ' * 10.2.1.3 Let x be the input',
      '## 10.2.1.3 Introduction',
      '// 10.2.1.3. Let x',
    ])
      assert.deepEqual(
        found(text).filter((f) => f.startsWith('env.ipv4')),
        [],
        text,
      );
  });

  it('is an address at the start of a log line when no section could be numbered so', () => {
    const log = [
      '$ tail -n 4 /var/log/upstream.log',
      '10.20.30.40 Connection refused',
      '192.168.7.21 Connection reset by peer',
      '172.16.4.9 Timeout after 30s',
      '10.0.3.17 Host unreachable',
    ].join('\n');
    assert.deepEqual(
      found(log).filter((f) => f.startsWith('env.ipv4')),
      ['env.ipv4 10.20.30.40', 'env.ipv4 192.168.7.21', 'env.ipv4 172.16.4.9', 'env.ipv4 10.0.3.17'],
    );
    // A heading numbered like a spec's (small parts, none 0) stays a section number.
    assert.deepEqual(found('10.1.6.3 ValidateAndApplyPropertyDescriptor ( O, P )\n'), []);
  });

  it('at the start of a log line is replaced, and restored in the answer', async () => {
    const log = 'Bash output:\n10.20.30.40 Connection refused\n10.20.30.40 Connection refused\n';
    const r = await inspectUserMessage(log, { key: Buffer.alloc(32, 5) });
    assert.ok(r.rules.includes('env.ipv4'), r.rules.join(', '));
    assert.ok(!r.body.includes('10.20.30.40'), r.body);
    const surrogate = /^(\d+\.\d+\.\d+\.\d+) Connection/m.exec(r.sent)?.[1];
    assert.ok(surrogate !== undefined, r.sent);
    assert.equal(
      r.answer(`The upstream ${surrogate} refuses connections.`),
      'The upstream 10.20.30.40 refuses connections.',
    );
  });

  it('does not leave the gateway', async () => {
    const r = await inspect('ssh failed: connect to 10.20.30.40 Connection refused');
    assert.ok(r.rules.includes('env.ipv4'), r.rules.join(', '));
    assert.ok(!r.sent.includes('10.20.30.40'), r.sent);
  });
});

describe("Airlock's host surrogates", () => {
  it('are not reported as host names or addresses', () => {
    for (const text of [
      'ssh host-3.example.internal',
      'see https://host-12.example.internal/ for it',
      'Hostname: host-4.example.internal\n',
      // A wide-space IPv4 surrogate (RFC 2544 benchmarking range), even after a context word.
      'server ip 198.18.4.77 and inet 198.19.250.3',
    ])
      assert.deepEqual(found(text), [], text);
    // The rule still reports real hosts beside them.
    assert.deepEqual(found('ssh host-3.example.internal then ssh build-03.acme.corp'), [
      'env.private-hostname build-03.acme.corp',
    ]);
  });

  it('go out as written and add no finding to the audit', async () => {
    const text = 'Earlier you said to deploy to host-7.example.internal.';
    const r = await inspect(text);
    assert.ok(r.sent.includes(text), r.sent);
    assert.deepEqual(
      r.rules.filter((id) => id.startsWith('env.')),
      [],
    );
  });
});

describe("Airlock's single-label host surrogate (host-N)", () => {
  // What `hostnamectl` printed on a machine whose name went out as host-3 in an earlier turn,
  // pasted back by the user, and a prompt the model was shown with the host's surrogate.
  const output = [
    '$ hostnamectl',
    '   Static hostname: host-3',
    '         Icon name: computer-vm',
    '$ env | grep -i -e ^hostname -e _proxy',
    'HOSTNAME=host-3',
    'HTTPS_PROXY=http://host-9707',
    'root@host-3:~/src# make',
  ].join('\n');

  it('is not reported after a hostname label, in a prompt or as a proxy', () => {
    assert.deepEqual(found(output), []);
    // Names only shaped like it are still host names.
    assert.deepEqual(found('Static hostname: host-03\nHOSTNAME=host-3a\nroot@host-3b:/srv# ls'), [
      'env.hostname-context host-03',
      'env.hostname-context host-3a',
      'env.shell-prompt-host host-3b',
    ]);
  });

  it("is still found as this machine's own name by its canary", () => {
    const engine = createEngine({ canaries: learnCanaries({ hostname: 'host-3', readGit: false }) });
    const text = 'Static hostname: host-3';
    assert.ok(
      engine
        .scan([{ path: ['messages', 0, 'content'], role: 'user', text }])
        .some((f) => text.slice(f.start, f.end) === 'host-3'),
    );
  });

  it('goes out as written, with no finding, and the answer keeps it', async () => {
    const r = await inspectUserMessage(output);
    assert.equal(r.sent, output);
    assert.deepEqual(
      r.rules.filter((id) => id.includes('host') || id.includes('proxy')),
      [],
    );
    assert.equal(r.answer('host-3 is the VM.'), 'host-3 is the VM.');
    // A real host beside it is still replaced, and restored.
    const mixed = await inspectUserMessage(`${output}\nStatic hostname: devbox-7`);
    assert.ok(!mixed.sent.includes('devbox-7'), mixed.sent);
    const alias = /Static hostname: (\S+)$/.exec(mixed.sent)?.[1] ?? '';
    assert.equal(mixed.answer(`ssh ${alias}`), 'ssh devbox-7');
  });
});

describe("Airlock's wide-space MAC surrogates (02:00:5e:xx:xx:xx)", () => {
  // Two surrogates the generator draws once the 256 documentation MACs are taken, as `ip link`
  // and `ipconfig /all` print them after an earlier turn's answer was pasted back.
  const colon = macShape('3c:22:fb:7a:10:4e', WIDE + 77_981);
  const dash = macShape('3C-22-FB-7A-10-4E', WIDE + 5);
  const output = [
    '$ ip link show eth0',
    '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT',
    `    link/ether ${colon} brd ff:ff:ff:ff:ff:ff`,
    '> ipconfig /all',
    `   Physical Address. . . . . . . . . : ${dash}`,
  ].join('\n');

  it('are what the generator draws in the wide space', () => {
    assert.match(colon, /^02:00:5e(?::[0-9a-f]{2}){3}$/);
    assert.match(dash, /^02-00-5E(?:-[0-9A-F]{2}){3}$/);
  });

  it('are not reported, in either form or case', () => {
    assert.deepEqual(found(output), []);
    // A MAC beside the range (another OUI, or the universal 00:00:5e outside 00:00:5e:00:53) is.
    assert.deepEqual(found('link/ether 02:00:5f:01:2f:9c brd\nlink/ether 00:00:5e:01:2f:9c brd'), [
      'env.mac 02:00:5f:01:2f:9c',
      'env.mac 00:00:5e:01:2f:9c',
    ]);
  });

  it('go out as written beside a real MAC, which is replaced and restored', async () => {
    const text = `${output}\n    link/ether 3c:22:fb:7a:10:4e brd ff:ff:ff:ff:ff:ff`;
    const r = await inspectUserMessage(text);
    assert.deepEqual(r.rules, ['env.mac']);
    assert.ok(r.sent.startsWith(output), r.sent);
    assert.ok(!r.sent.includes('3c:22:fb:7a:10:4e'), r.sent);
    const alias = /link\/ether (\S+) brd ff:ff:ff:ff:ff:ff$/.exec(r.sent)?.[1] ?? '';
    assert.equal(
      r.answer(`eth0 is ${alias}, ${colon} the old one`),
      `eth0 is 3c:22:fb:7a:10:4e, ${colon} the old one`,
    );
  });
});
