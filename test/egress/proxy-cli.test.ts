/** `airlock proxy` as a user starts it: banner, policy from the config's policy file, clean stop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
