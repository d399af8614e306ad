/** `airlock proxy` as a user starts it: banner, policy from the config's policy file, clean stop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { baseEnv, startCli, tempDir } from '../run/helpers.js';
import { openConnect, startEcho } from './helpers.js';

test(
  'airlock proxy serves the egress section of the configured policy and stops on SIGINT',
  { timeout: 60_000 },
  async () => {
    const echo = await startEcho();
    const dir = tempDir();
    writeFileSync(
      join(dir, 'policy.yaml'),
      `egress:\n  profile: strict\n  allow: ["127.0.0.1:${echo.port}"]\n`,
    );
    writeFileSync(join(dir, 'airlock.yaml'), 'policy: policy.yaml\n');
    const cli = startCli(['proxy', '-p', '0', '-c', join(dir, 'airlock.yaml')], baseEnv());
    try {
      await cli.waitFor('export HTTPS_PROXY=');
      const port = Number(/proxy on http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stdout())?.[1]);
      assert.ok(port > 0, cli.stdout());
      const allowed = await openConnect(port, `127.0.0.1:${echo.port}`);
      assert.equal(allowed.status, 200);
      allowed.socket.destroy();
      const refused = await openConnect(port, 'registry.npmjs.org:443');
      assert.equal(refused.status, 403, 'strict profile from the policy file');
      refused.socket.destroy();
    } finally {
      cli.child.kill('SIGINT');
      await echo.close();
    }
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /"host":"registry\.npmjs\.org"/, 'events logged on stderr');
    assert.match(r.stderr, /"decision":"deny"/);
  },
);

test(
  'airlock proxy started with its own address as HTTPS_PROXY ignores it and says so',
  { timeout: 60_000 },
  async () => {
    // A port that was free a moment ago, for the proxy and the HTTPS_PROXY a shell exported for it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const cli = startCli(
      ['proxy', '-p', String(port)],
      baseEnv({ HTTPS_PROXY: `http://127.0.0.1:${port}`, https_proxy: `http://localhost:${port}` }),
    );
    try {
      await cli.waitFor('export HTTPS_PROXY=');
      assert.doesNotMatch(cli.stdout(), /outbound via/);
    } finally {
      cli.child.kill('SIGINT');
    }
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /airlock proxy: warning \(AIRLOCK_EGRESS_SELF_UPSTREAM\): .*upstream proxy http:\/\/127\.0\.0\.1:\d+ is this proxy itself; ignored/,
    );
  },
);
