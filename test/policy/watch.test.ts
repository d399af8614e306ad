import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CompiledPolicy } from '../../src/policy/compile.js';
import { watchPolicy, type PolicyReloadError } from '../../src/policy/watch.js';

/** Resolves with the next value pushed, or rejects after a generous deadline. */
function nextOf<T>(queue: T[], waiters: ((v: T) => void)[]): Promise<T> {
  const ready = queue.shift();
  if (ready !== undefined) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reload within 20 s')), 20_000);
    waiters.push((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('watchPolicy', () => {
  it('reloads a valid change, refuses an invalid one and keeps the old policy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-watch-'));
    const file = join(dir, 'policy.yaml');
    await writeFile(file, 'mode: enforce\n');
    const changes: CompiledPolicy[] = [];
    const errors: PolicyReloadError[] = [];
    const changeWaiters: ((p: CompiledPolicy) => void)[] = [];
    const errorWaiters: ((e: PolicyReloadError) => void)[] = [];
    const w = watchPolicy(
      file,
      (p) => (changeWaiters.shift() ?? ((v: CompiledPolicy) => changes.push(v)))(p),
      (e) => (errorWaiters.shift() ?? ((v: PolicyReloadError) => errors.push(v)))(e),
      { debounceMs: 50 },
    );
    try {
      assert.equal(w.current()?.policy.mode, 'enforce');
      await writeFile(file, 'mode: monitor\n');
      const changed = await nextOf(changes, changeWaiters);
      assert.equal(changed.policy.mode, 'monitor');
      assert.equal(w.current()?.policy.mode, 'monitor');

      await writeFile(file, 'mode: monitor\ncategories: { secret: shred }\n');
      const err = await nextOf(errors, errorWaiters);
      assert.match(err.message, /invalid; keeping the previous policy/);
      assert.match(err.message, /policy\.yaml:2:\d+: categories\.secret/);
      assert.equal(w.current()?.policy.mode, 'monitor');

      // Editors save by renaming a new file over the old one.
      await writeFile(join(dir, 'policy.yaml.tmp'), 'mode: enforce\non_error: allow\n');
      await rename(join(dir, 'policy.yaml.tmp'), file);
      const renamed = await nextOf(changes, changeWaiters);
      assert.equal(renamed.policy.on_error, 'allow');

      // Emptied and left so: said, and the policy in force kept (not the built-in one).
      await writeFile(file, '');
      const emptied = await nextOf(errors, errorWaiters);
      assert.match(emptied.message, /keeping the previous policy[\s\S]*the file is empty/);
      assert.equal(w.current()?.policy.on_error, 'allow');
      await writeFile(file, 'mode: enforce\non_error: allow\n');
      assert.equal((await nextOf(changes, changeWaiters)).policy.on_error, 'allow', 'back, and said');
    } finally {
      w.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws for a file invalid at start, unless told to wait for its first valid version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-watch-'));
    const file = join(dir, 'policy.yaml');
    await writeFile(file, 'mode: sometimes\n');
    const noop = () => undefined;
    assert.throws(() => watchPolicy(file, noop, noop), /mode/);
    const atStart: Error[] = [];
    const changes: CompiledPolicy[] = [];
    const changeWaiters: ((p: CompiledPolicy) => void)[] = [];
    const w = watchPolicy(
      file,
      (p) => (changeWaiters.shift() ?? ((v: CompiledPolicy) => changes.push(v)))(p),
      noop,
      {
        debounceMs: 50,
        onInvalidStart: (err) => atStart.push(err),
      },
    );
    try {
      assert.equal(atStart.length, 1);
      assert.match(atStart[0]!.message, /mode/);
      assert.equal(w.current(), undefined);
      await writeFile(file, 'mode: monitor\n');
      const first = await nextOf(changes, changeWaiters);
      assert.equal(first.policy.mode, 'monitor');
      assert.equal(w.current()?.policy.mode, 'monitor');
    } finally {
      w.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
