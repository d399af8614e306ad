/** The `airlock` binary as a user runs it: help, usage errors, and `start` until SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

test('--help lists the commands and exits 0', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /start \[options\]/);
  const start = run(['start', '--help']);
  assert.equal(start.status, 0);
  for (const flag of ['--port', '--host', '--config', '--data-dir', 'AIRLOCK_UPSTREAM_ANTHROPIC'])
    assert.ok(start.stdout.includes(flag), flag);
});

test('usage errors exit 2 with a message', () => {
  const r = run(['start', '--port', 'abc']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid port "abc"/);
  assert.equal(run(['no-such-command']).status, 2);
});

test('a config error exits 2 naming file, line and key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const file = join(dir, 'airlock.yaml');
  writeFileSync(file, 'listen:\n  prot: 1\n');
  const r = run(['start', '--config', file, '--data-dir', dir]);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`${file}:2:3: listen.prot: unknown key "prot"`), r.stderr);
});

test('start prints the URL, serves /healthz and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'start', '--port', '0', '--egress-port', '0', '--data-dir', dir],
    {
      env: { ...process.env, AIRLOCK_UPSTREAM_ANTHROPIC: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const lines = createInterface({ input: child.stdout });
    let url: string | undefined;
    for await (const line of lines) {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        url = m[1];
        break;
      }
    }
    assert.ok(url, 'printed its URL');
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    const dashboard = await fetch(`${url}/_airlock/api/overview`);
    assert.equal(dashboard.status, 401, 'the dashboard is behind its token');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('npx airlock in the clone runs the built bin, linked into node_modules/.bin by prepare', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  // The link is what spares npx loading the whole installed tree (~10 s) to find the command.
  assert.equal(realpathSync(join(root, 'node_modules/.bin/airlock')), join(root, 'dist/src/cli/main.js'));
  const r = spawnSync('npx', ['--no-install', 'airlock', '--version'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});
