import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { envReport, registerEnvCommand } from '../../src/cli/commands/env.js';
import { learnCanaries } from '../../src/detect/canaries.js';

const planted = learnCanaries({
  env: { DEPLOY_TOKEN: 'Zq81-kLmT0pXv44-uuRw9' },
  home: '/home/mkowalski',
  hostname: 'wks-0231',
  fqdns: [],
  username: 'mkowalski',
  machineIds: ['4f1c2a9be0d34c6f8a1e7b2d9c3f5a60'],
  macs: ['3c:22:fb:7a:10:4e'],
  ips: ['10.20.0.57'],
  gitName: 'Marta Kowalska',
  gitEmail: 'marta.kowalska@acme-corp.pl',
  timeZones: ['Europe/Warsaw'],
  readGit: false,
});

describe('airlock env', () => {
  it('groups what was learned by kind, masked', () => {
    const text = envReport(planted, false);
    for (const title of [
      'Host names:',
      'User names:',
      'Home directory:',
      'Machine ids:',
      'MAC addresses:',
      'IP addresses:',
      'Git user name:',
      'Git user email:',
      'Time zone:',
      'Secret values',
    ])
      assert.ok(text.includes(title), title);
    assert.ok(text.includes('wk…31'));
    for (const c of planted) assert.ok(!text.includes(c.value), `unmasked ${c.label}`);
  });

  it('prints JSON with masks, sources and lengths, never the values', () => {
    const parsed = JSON.parse(envReport(planted, true)) as {
      count: number;
      canaries: { label: string; masked: string; source: string; length: number }[];
    };
    assert.equal(parsed.count, planted.length);
    const secret = parsed.canaries.find((c) => c.label === 'secret-env')!;
    assert.deepEqual([secret.masked, secret.source, secret.length], ['Zq…w9', '$DEPLOY_TOKEN', 21]);
    const raw = JSON.stringify(parsed);
    for (const c of planted) assert.ok(!raw.includes(c.value), `unmasked ${c.label}`);
  });

  it('runs as a command on this machine', async () => {
    const program = new Command('airlock').exitOverride();
    registerEnvCommand(program);
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (
      (out += String(chunk)),
      true
    )) as typeof process.stdout.write;
    try {
      await program.parseAsync(['env', '--json'], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    const parsed = JSON.parse(out) as { count: number };
    assert.equal(typeof parsed.count, 'number');
  });
});
