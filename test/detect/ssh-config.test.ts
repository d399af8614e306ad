/**
 * ~/.ssh/config (agents read it when a deploy over ssh fails) names the user's machines and the
 * user: a Host block's alias, its HostName, its User. Only a HostName under a private suffix or
 * a private address was found; bastion-01.acme.io, a public address and the user name left.
 * env.ssh-config and env.ssh-config-user read the lines of a Host block, each with the
 * surrogate of what it holds (a host host-N, an address one of its family, the user user-N as
 * elsewhere); blocks of public git hosts, patterns and tokens, common users (git, root) and
 * aliases that are words (bastion, prod: no machine's name) are no one's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { inspectUserMessage } from '../helpers/inspect-message.js';

const engine = createEngine();

function kinds(text: string): string[] {
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'tool_result', text }])
    .map((f) => `${f.ruleId} ${f.kind} ${text.slice(f.start, f.end)}`);
}

const config = `$ cat ~/.ssh/config
Host *
    AddKeysToAgent yes
    User root

Host bastion
    HostName bastion-01.acme.io
    User mkowalski
    IdentityFile ~/.ssh/id_ed25519

Host db-prod
    HostName 34.117.59.81
    User deploy-svc
    ProxyJump bastion

Host ledger-7
    HostName 10.40.2.17
    ProxyJump db-prod

Host gh
    HostName github.com
    User git

Host github-work
    HostName github.com
    IdentityFile ~/.ssh/id_work

Host gitlab.com
    IdentityFile ~/.ssh/id_gitlab`;

describe('an ssh client configuration', () => {
  it("reports each Host block's alias, host and user with its kind", () => {
    assert.deepEqual(
      kinds(config).filter((f) => !f.startsWith('env.home-path')),
      [
        // An alias that is a word (bastion) names no machine; one that is a machine's name does.
        'env.ssh-config hostname bastion-01.acme.io',
        'env.ssh-config-user username mkowalski',
        'env.ssh-config hostname db-prod',
        'env.ssh-config ipv4 34.117.59.81',
        'env.ssh-config-user username deploy-svc',
        'env.ssh-config hostname ledger-7',
        'env.ssh-config ipv4 10.40.2.17',
      ],
    );
  });

  it('is also read in a JSON-escaped transcript', () => {
    const escaped = JSON.stringify(config).slice(1, -1);
    assert.ok(kinds(escaped).includes('env.ssh-config-user username mkowalski'), kinds(escaped).join('\n'));
  });

  it('reports no Host, HostName or User line outside a Host block', () => {
    for (const text of [
      'Host names are resolved first.\n    User accounts come next.\n',
      'User mkowalski\nHostName bastion-01.acme.io\n',
      'server {\n    User nginx\n}\n',
      'Host bastion\nis down since Monday.\n',
    ])
      assert.deepEqual(kinds(text), [], text);
  });

  it('does not leave the gateway, and an alias takes one surrogate wherever it is', async () => {
    const r = await inspectUserMessage(config);
    for (const real of [
      'acme.io',
      '34.117.59.81',
      '10.40.2.17',
      'mkowalski',
      'deploy-svc',
      'db-prod',
      'ledger-7',
    ])
      assert.ok(!r.sent.includes(real), `${real} in ${r.sent}`);
    const alias = /^Host (host-\d+)$/m.exec(r.sent)?.[1] ?? '';
    assert.match(alias, /^host-\d+$/, r.sent);
    assert.ok(r.sent.includes(`ProxyJump ${alias}\n`), r.sent);
    assert.ok(r.sent.includes('Host bastion\n') && r.sent.includes('ProxyJump bastion\n'), r.sent);
    assert.ok(r.sent.includes('Host gh\n    HostName github.com\n    User git\n'), r.sent);
    assert.equal(r.answer(r.sent), config);
  });
});
