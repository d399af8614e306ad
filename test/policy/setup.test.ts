import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import type { Inspector, InspectResult } from '../../src/gateway/inspector.js';
import { createPolicyRuntime } from '../../src/policy/setup.js';

const request = (inspector: Inspector): Promise<InspectResult> | InspectResult =>
  inspector.inspect({
    provider: 'anthropic',
    dialect: anthropicMessages,
    method: 'POST',
    path: '/v1/messages',
    query: new URLSearchParams(),
    headers: {},
    body: {
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'cd /home/alice/acme-api && ls' }],
    },
  });

function waitFor<T>(register: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing within 20 s')), 20_000);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('createPolicyRuntime', () => {
  it('builds the default policy inspector and a 0600 key in the data dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'airlock-rt-'));
    const rt = createPolicyRuntime({ file: undefined, dataDir });
    try {
      assert.equal(rt.onError, 'block');
      assert.equal((await stat(join(dataDir, 'surrogate.key'))).mode & 0o777, 0o600);
      const r = await request(rt.inspector);
      assert.equal(r.action, 'forward');
      assert.ok(r.action === 'forward' && !JSON.stringify(r.body).includes('alice'));
    } finally {
      await rt.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('opens the vault the policy names, reloads valid versions and refuses broken ones', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'airlock-rt-'));
    const file = join(dataDir, 'policy.yaml');
    await writeFile(file, 'vault: sqlite\non_error: allow\n');
    let onReload: ((v: Inspector) => void) | undefined;
    let onReloadError: ((e: Error) => void) | undefined;
    const rt = createPolicyRuntime({
      file,
      dataDir,
      onReload: (i) => onReload?.(i),
      onReloadError: (e) => onReloadError?.(e),
    });
    try {
      assert.equal(rt.onError, 'allow');
      assert.equal((await stat(join(dataDir, 'vault.db'))).mode & 0o777, 0o600);
      const first = await request(rt.inspector);
      assert.ok(first.action === 'forward' && first.restorer !== undefined);

      const reloaded = waitFor<Inspector>((r) => (onReload = r));
      await writeFile(file, 'vault: sqlite\nmode: monitor\n');
      const monitor = await request(await reloaded);
      assert.equal(monitor.summary.mode, 'monitor');
      assert.equal(rt.policy().policy.mode, 'monitor');

      // A custom rule reusing a built-in id does not compile in the engine: refused, old policy kept.
      const refused = waitFor<Error>((r) => (onReloadError = r));
      await writeFile(
        file,
        "mode: enforce\ncustom_rules:\n  - id: env.home-path\n    category: pii\n    pattern: 'x+'\n    keywords: [x]\n",
      );
      assert.match((await refused).message, /keeping the previous policy/);
      assert.equal(rt.policy().policy.mode, 'monitor');
    } finally {
      await rt.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
