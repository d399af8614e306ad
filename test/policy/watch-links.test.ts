/**
 * Hot reload of a policy file that is a symlink (a Kubernetes ConfigMap, a link to a file kept
 * elsewhere), and what the watcher says when the file is deleted or comes back to the version in
 * force after a refused one.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CompiledPolicy } from '../../src/policy/compile.js';
import { watchPolicy, type PolicyChange } from '../../src/policy/watch.js';

/** What a watcher reported, in order, and a way to wait for the next report. */
function recorder() {
  const events: string[] = [];
  const policies: CompiledPolicy[] = [];
  let wake: (() => void) | undefined;
  const push = (event: string) => {
    events.push(event);
    wake?.();
  };
  return {
    events,
    policies,
    onChange: (p: CompiledPolicy, change: PolicyChange) => {
      policies.push(p);
      push(`${change} ${p.policy.mode}`);
    },
    onError: () => push('refused'),
    onMissing: () => push('missing'),
    /** Resolves with the report after `seen` ones, or rejects after a generous deadline. */
    async nth(seen: number): Promise<string> {
      const deadline = Date.now() + 20_000;
      while (events.length <= seen) {
        if (Date.now() > deadline)
          throw new Error(`no report #${seen + 1} within 20 s: ${events.join(', ')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return events[seen]!;
    },
  };
}

describe('watchPolicy and symlinks', () => {
  it('follows a ConfigMap mount: ..data swapped to a new version, then that version edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-watch-cm-'));
    const r = recorder();
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'policy.yaml'), 'mode: enforce\n');
    await symlink('..v1', join(dir, '..data'));
    await symlink('..data/policy.yaml', join(dir, 'policy.yaml'));
    const w = watchPolicy(join(dir, 'policy.yaml'), r.onChange, r.onError, { debounceMs: 50 });
    try {
      assert.equal(w.current()?.policy.mode, 'enforce');
      // What the kubelet does: a new folder, a new link beside ..data, renamed over it.
      await mkdir(join(dir, '..v2'));
      await writeFile(join(dir, '..v2', 'policy.yaml'), 'mode: monitor\n');
      await symlink('..v2', join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await rm(join(dir, '..v1'), { recursive: true });
      assert.equal(await r.nth(0), 'changed monitor');

      // The folder the link resolves to now is the one watched for edits.
      await writeFile(join(dir, '..v2', 'policy.yaml'), 'mode: monitor\non_error: allow\n');
      assert.equal(await r.nth(1), 'changed monitor');
      assert.equal(w.current()?.policy.on_error, 'allow');
    } finally {
      w.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('follows a link to a file in another folder, edited in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-watch-link-'));
    const r = recorder();
    await mkdir(join(dir, 'etc'));
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'real-policy.yaml'), 'mode: enforce\n');
    await symlink(join(dir, 'shared', 'real-policy.yaml'), join(dir, 'etc', 'policy.yaml'));
    const w = watchPolicy(join(dir, 'etc', 'policy.yaml'), r.onChange, r.onError, { debounceMs: 50 });
    try {
      await writeFile(join(dir, 'shared', 'real-policy.yaml'), 'mode: monitor\n');
      assert.equal(await r.nth(0), 'changed monitor');
      assert.equal(w.current()?.policy.mode, 'monitor');
    } finally {
      w.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('watchPolicy: deleted, and back to the version in force', () => {
  it('tells of a deletion once, and of the file back to the version in force after a refusal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-watch-back-'));
    const file = join(dir, 'policy.yaml');
    const r = recorder();
    await writeFile(file, 'mode: monitor\n');
    const w = watchPolicy(file, r.onChange, r.onError, { debounceMs: 50, onMissing: r.onMissing });
    try {
      await writeFile(file, 'mode: sideways\n');
      assert.equal(await r.nth(0), 'refused');
      // The same version as in force, written differently: no change, but no longer refused.
      await writeFile(file, '# back\nmode: monitor\n');
      assert.equal(await r.nth(1), 'restored monitor');
      assert.equal(r.policies[0]?.text, '# back\nmode: monitor\n');

      await unlink(file);
      assert.equal(await r.nth(2), 'missing');
      assert.equal(w.current()?.policy.mode, 'monitor', 'the policy in force stays');
      await writeFile(file, 'mode: monitor\n');
      assert.equal(await r.nth(3), 'restored monitor');
      await writeFile(file, 'mode: enforce\n');
      assert.equal(await r.nth(4), 'changed enforce');
      assert.deepEqual(r.events, [
        'refused',
        'restored monitor',
        'missing',
        'restored monitor',
        'changed enforce',
      ]);
    } finally {
      w.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
