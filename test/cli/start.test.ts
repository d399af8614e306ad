/** The `airlock` binary as a user runs it: help, usage errors, and `start` until SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
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
    // A start that fails but keeps serving never exits: cut it off, and the test sees the signal.
    timeout: 30_000,
  });

/** A loopback server holding a port, as another program would. */
async function holdPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function freePort(): Promise<number> {
  const server = await holdPort();
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
  for (const port of ['abc', '', '0x4820', '1.8e4', '70000']) {
    const r = run(['start', '--port', port]);
    assert.equal(r.status, 2, port);
    assert.match(r.stderr, new RegExp(`invalid port "${port.replace('.', '\\.')}"`));
  }
  assert.equal(run(['no-such-command']).status, 2);
});

test('airlock run refuses a --gateway that is not an http(s) URL, instead of starting its own', () => {
  for (const [gateway, message] of [
    ['notaurl', /not a URL: "notaurl"/],
    ['ftp://127.0.0.1:8789', /use an http:\/\/ or https:\/\/ URL/],
  ] as const) {
    const r = run(['run', '--gateway', gateway, '--', process.execPath, '-e', '0']);
    assert.equal(r.status, 2, gateway);
    assert.match(r.stderr, message);
  }
});

test('a config error exits 2 naming file, line and key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const file = join(dir, 'airlock.yaml');
  writeFileSync(file, 'listen:\n  prot: 1\n');
  const r = run(['start', '--config', file, '--data-dir', dir]);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`${file}:2:3: listen.prot: unknown key "prot"`), r.stderr);
});

test('a start whose egress proxy cannot listen exits 2 naming the setting, having closed what it opened', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  // A Redis vault and tracker hold connections open: left open, they alone would keep the
  // process from exiting, as the gateway and the dashboard would.
  writeFileSync(join(dir, 'policy.yaml'), 'vault: redis://127.0.0.1:6379\n');
  writeFileSync(join(dir, 'airlock.yaml'), 'policy: policy.yaml\n');
  const taken = await holdPort();
  try {
    const egressPort = (taken.address() as AddressInfo).port;
    const args = ['start', '--config', join(dir, 'airlock.yaml'), '--data-dir', join(dir, 'data')];
    const r = run([...args, '--port', String(await freePort()), '--egress-port', String(egressPort)]);
    assert.equal(r.signal, null, 'exited by itself');
    assert.equal(r.status, 2, r.stderr);
    assert.ok(
      r.stderr.includes(
        `airlock: egress_proxy.port ${egressPort} (--egress-port): listen EADDRINUSE: address already in use`,
      ),
      r.stderr,
    );
    assert.equal(r.stdout, '', 'no banner for a start that failed');
    // The audit store was closed, not left with its write-ahead log open.
    assert.ok(existsSync(join(dir, 'data', 'audit.db')));
    assert.ok(!existsSync(join(dir, 'data', 'audit.db-wal')), 'audit.db closed');
  } finally {
    taken.close();
  }
});

test('one port for the gateway and the egress proxy is refused before either starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const file = join(dir, 'airlock.yaml');
  writeFileSync(file, 'listen:\n  port: 18412\negress_proxy:\n  port: 18412\n');
  const r = run(['start', '--config', file, '--data-dir', join(dir, 'data')]);
  assert.equal(r.signal, null, 'exited by itself');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^airlock: listen\.port and egress_proxy\.port are both 18412 on 127\.0\.0\.1: /);
  assert.ok(!existsSync(join(dir, 'data')), 'nothing was opened');
});

test('a host that cannot be listened on is named by its setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const gateway = join(dir, 'gateway.yaml');
  writeFileSync(gateway, 'listen:\n  host: "no such host.invalid"\n  port: 0\negress_proxy:\n  port: 0\n');
  const r = run(['start', '--config', gateway, '--data-dir', join(dir, 'data')]);
  assert.equal(r.signal, null, 'exited by itself');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^airlock: listen\.host "no such host\.invalid" \(--host\): getaddrinfo E/);
  const egress = join(dir, 'egress.yaml');
  writeFileSync(egress, 'listen:\n  port: 0\negress_proxy:\n  host: nohost.invalid\n  port: 0\n');
  const e = run(['start', '--config', egress, '--data-dir', join(dir, 'data')]);
  assert.equal(e.signal, null, 'exited by itself, the gateway it had started closed');
  assert.equal(e.status, 2);
  assert.match(e.stderr, /^airlock: egress_proxy\.host "nohost\.invalid": getaddrinfo E/);
});

test('a wrong audit store in airlock.yaml is a config error naming file, line and key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const file = join(dir, 'airlock.yaml');
  writeFileSync(file, 'audit:\n  store: mysql://x\n');
  const r = run(['start', '--config', file, '--data-dir', join(dir, 'data')]);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`${file}:2:3: audit.store: unsupported audit store "mysql://x"`), r.stderr);
  writeFileSync(file, 'audit:\n  store: "postgres://u:hunter2@[::1"\n');
  const pg = run(['start', '--config', file, '--data-dir', join(dir, 'data')]);
  assert.equal(pg.status, 2);
  assert.ok(
    pg.stderr.includes(`${file}:2:3: audit.store: the PostgreSQL audit store URL is not a valid URL`),
    pg.stderr,
  );
  assert.doesNotMatch(pg.stderr, /hunter2/);
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

test('a server whose stdout reader leaves (`| grep -m1 listening`) keeps serving', async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'simulate', '--port', String(port), '--log'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) if (line.includes('listening')) break;
    // The reader is gone; the next line (a logged request) meets a closed pipe.
    child.stdout.destroy();
    const ask = () =>
      fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
      });
    assert.equal((await ask()).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(child.exitCode, null, 'still running after writing to the closed pipe');
    assert.equal((await ask()).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
});

test('airlock proxy listens where the config says unless a flag says otherwise', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const port = await freePort();
  const file = join(dir, 'airlock.yaml');
  writeFileSync(file, `egress_proxy:\n  port: ${port}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'proxy', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const lines = createInterface({ input: child.stdout });
    let banner = '';
    for await (const line of lines) {
      banner = line;
      break;
    }
    assert.equal(banner, `Airlock egress proxy on http://127.0.0.1:${port}`);
  } finally {
    child.kill('SIGTERM');
  }
});

test("--version is this package's, whatever npm script started the command", () => {
  const own = (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  const r = run(['--version'], { npm_package_version: '3.4.5' });
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), own);
});
