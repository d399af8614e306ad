/**
 * A start that fails part-way (the egress port taken, a policy naming a store that cannot be
 * one) closes what it had opened, so that `airlock start` ends instead of serving half an
 * Airlock; test/cli/start.test.ts checks the same through the binary (exit code 2).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAirlock } from '../../src/app.js';
import { ConfigError } from '../../src/config/config-error.js';
import { SealedVault } from '../../src/redact/vault-seal.js';
import { SqliteVault } from '../../src/redact/vault-sqlite.js';
import { testConfig } from '../helpers/stack.js';

async function holdPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

async function freePort(): Promise<number> {
  const server = await holdPort();
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('a start whose egress proxy cannot listen closes the gateway, audit store and vault it opened', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-failed-start-'));
  const dataDir = join(dir, 'data');
  writeFileSync(join(dir, 'policy.yaml'), 'vault: sqlite\n');
  const gatewayPort = await freePort();
  const taken = await holdPort();
  const options = (egressPort: number) => ({
    config: testConfig({
      listen: { host: '127.0.0.1', port: gatewayPort },
      egress_proxy: { port: egressPort },
    }),
    dataDir,
    policyFile: join(dir, 'policy.yaml'),
    canaries: [],
    dashboardToken: 'test-dashboard-token',
  });
  try {
    await assert.rejects(
      startAirlock(options(portOf(taken))),
      new RegExp(`^Error: egress_proxy\\.port ${portOf(taken)} \\(--egress-port\\): listen EADDRINUSE`),
    );
  } finally {
    taken.close();
  }
  assert.equal(await answers(gatewayPort), false, 'the gateway no longer listens');
  // SQLite removes a WAL file when its last connection closes.
  assert.ok(existsSync(join(dataDir, 'audit.db')) && existsSync(join(dataDir, 'vault.db')));
  assert.ok(!existsSync(join(dataDir, 'audit.db-wal')), 'the audit store was closed');
  assert.ok(!existsSync(join(dataDir, 'vault.db-wal')), 'the vault was closed');
  // Its ports and files free, the same start succeeds.
  const airlock = await startAirlock(options(0));
  try {
    assert.equal(airlock.gateway.port, gatewayPort);
  } finally {
    await airlock.close();
  }
});

test('a dashboard token made by a start that failed is not kept: the next start makes and prints one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-failed-start-'));
  const dataDir = join(dir, 'data');
  const taken = await holdPort();
  try {
    await assert.rejects(
      startAirlock({
        config: testConfig({ egress_proxy: { port: portOf(taken) } }),
        dataDir,
        canaries: [],
      }),
      /listen EADDRINUSE/,
    );
  } finally {
    taken.close();
  }
  assert.ok(!existsSync(join(dataDir, 'dashboard.token')), 'no token nobody was shown');
  const airlock = await startAirlock({
    config: testConfig({ egress_proxy: { port: 0 } }),
    dataDir,
    canaries: [],
  });
  try {
    assert.equal(airlock.dashboard?.token.created, true, 'this start made the token, and prints it');
  } finally {
    await airlock.close();
  }
  // A later failed start leaves the token that was shown alone.
  const again = await holdPort();
  try {
    await assert.rejects(
      startAirlock({ config: testConfig({ egress_proxy: { port: portOf(again) } }), dataDir, canaries: [] }),
      /listen EADDRINUSE/,
    );
  } finally {
    again.close();
  }
  assert.ok(existsSync(join(dataDir, 'dashboard.token')));
});

test('a vault written with another surrogate.key stops the start, naming both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-failed-start-'));
  const dataDir = join(dir, 'data');
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, 'vault: sqlite\n');
  // Another installation's vault.db, copied in beside this one's own new key.
  const other = new SealedVault(new SqliteVault(join(dataDir, 'vault.db')), Buffer.alloc(32, 9));
  await other.claim('/home/user', '/home/alice', 'k');
  await other.close();
  const start = () =>
    startAirlock({ config: testConfig({ egress_proxy: { port: 0 } }), dataDir, policyFile, canaries: [] });
  await assert.rejects(start(), (err: Error) => {
    assert.equal(
      err.message,
      `the vault ${join(dataDir, 'vault.db')} was written with another surrogate.key than ` +
        `${join(dataDir, 'surrogate.key')}: vault entry sealed with another key: gateways sharing a ` +
        'vault must share surrogate.key',
    );
    return true;
  });
  // With the key it was written with, the same start succeeds.
  writeFileSync(join(dataDir, 'surrogate.key'), Buffer.alloc(32, 9));
  const airlock = await start();
  await airlock.close();
});

test("a policy's audit store that cannot be one is a config error naming the policy file", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-failed-start-'));
  const policyFile = join(dir, 'policy.yaml');
  // The policy schema takes any postgres://...; the audit schema's check refuses this one.
  writeFileSync(policyFile, 'vault: sqlite\naudit: "postgres://u:hunter2@[::1"\n');
  await assert.rejects(
    startAirlock({
      config: testConfig({ egress_proxy: { port: 0 } }),
      dataDir: join(dir, 'data'),
      policyFile,
      canaries: [],
      dashboardToken: 'test-dashboard-token',
    }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.deepEqual(err.problems, [
        `${policyFile}: audit: the PostgreSQL audit store URL is not a valid URL: expected ` +
          'postgres://user@host:5432/db, or postgres://user@/db?host=/var/run/postgresql for a unix ' +
          'socket (a password with special characters must be %-encoded)',
      ]);
      return true;
    },
  );
  assert.ok(!existsSync(join(dir, 'data', 'vault.db-wal')), 'the vault opened before it was closed');
});
