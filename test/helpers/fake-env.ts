/**
 * A made-up developer environment for running the real assistant CLIs: a home under /home with
 * an unusual user name, a project with a `.env` of fake keys, a git identity, a proxy with
 * credentials, a time zone and locale, and a host name set in a private UTS namespace
 * (`unshare --uts`). `planted` lists every value that must never reach the provider.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeEnv {
  user: string;
  host: string;
  home: string;
  project: string;
  gitName: string;
  gitEmail: string;
  keys: { awsAccessKeyId: string; awsSecretAccessKey: string; githubToken: string; stripeKey: string };
  proxyPassword: string;
  /** Every value that must not leave the machine. */
  planted: string[];
  /** Environment for the child process (PATH kept, everything else made up). */
  env: Record<string, string>;
  /** Wraps a command so that it runs with the made-up host name. */
  wrap(command: string, args: string[]): [string, string[]];
  cleanup(): void;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function random(alphabet: string, n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

export function unshareAvailable(): boolean {
  return spawnSync('unshare', ['--uts', 'true']).status === 0;
}

export function makeFakeEnv(extraEnv: Record<string, string> = {}): FakeEnv {
  const suffix = random('abcdefghijklmnopqrstuvwxyz', 5);
  const user = `zelda${suffix}`;
  const host = `zq-thinkpad-${suffix}.corp.acme-widgets.com`;
  const home = `/home/${user}`;
  const project = join(home, 'src', `quartermaine-ledger-${suffix}`);
  mkdirSync(project, { recursive: true });
  const gitName = `Zelda Quartermaine ${suffix.toUpperCase()}`;
  const gitEmail = `zelda.${suffix}@acme-widgets.com`;
  writeFileSync(join(home, '.gitconfig'), `[user]\n\tname = ${gitName}\n\temail = ${gitEmail}\n`);
  const keys = {
    awsAccessKeyId: `AKIA${random('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    awsSecretAccessKey: random(`${ALNUM}/+`, 40),
    githubToken: `ghp_${random(ALNUM, 36)}`,
    stripeKey: `sk_live_${random(ALNUM, 24)}`,
  };
  writeFileSync(
    join(project, '.env'),
    [
      `AWS_ACCESS_KEY_ID=${keys.awsAccessKeyId}`,
      `AWS_SECRET_ACCESS_KEY=${keys.awsSecretAccessKey}`,
      `GITHUB_TOKEN=${keys.githubToken}`,
      `STRIPE_SECRET_KEY=${keys.stripeKey}`,
      'LOG_LEVEL=debug',
      '',
    ].join('\n'),
  );
  writeFileSync(join(project, 'README.md'), '# Ledger\n\nReconciles refunds. Run `make test`.\n');
  // A git repository with history, so that assistants put the git identity and commits in the prompt.
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: project, env: { PATH: process.env.PATH, HOME: home }, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'Reconcile refunds against the ledger');
  const proxyPassword = `Pr0xy${random(ALNUM, 10)}`;
  // The proxy points at a closed loopback port: nothing can leave through it.
  const proxy = `http://${user}:${proxyPassword}@127.0.0.1:9`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    USER: user,
    LOGNAME: user,
    SHELL: '/bin/bash',
    TZ: 'America/Halifax',
    LANG: 'fr_CA.UTF-8',
    HTTPS_PROXY: proxy,
    HTTP_PROXY: proxy,
    NO_PROXY: '127.0.0.1,localhost,::1',
    TERM: 'dumb',
    ...extraEnv,
  };
  return {
    user,
    host,
    home,
    project,
    gitName,
    gitEmail,
    keys,
    proxyPassword,
    planted: [home, user, host, gitName, gitEmail, proxyPassword, ...Object.values(keys)],
    env,
    wrap: (command, args) => [
      'unshare',
      ['--uts', 'sh', '-c', `hostname "$0" && exec "$@"`, host, command, ...args],
    ],
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
