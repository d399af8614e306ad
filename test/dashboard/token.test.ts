/** The dashboard token file: made once with mode 0600, reused, and refused when it is not a token. */
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DashboardTokenError, loadOrCreateDashboardToken } from '../../src/dashboard/token.js';
import { tempDir } from './helpers.js';

test('first call creates a 256-bit token with mode 0600; later calls read it back', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const data = join(dir, 'nested', 'data');
    const first = loadOrCreateDashboardToken(data);
    assert.equal(first.created, true);
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    const second = loadOrCreateDashboardToken(data);
    assert.deepEqual({ ...second }, { ...first, created: false });
  } finally {
    await cleanup();
  }
});

test('a token file readable by others is tightened to 0600', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { path, token } = loadOrCreateDashboardToken(dir);
    chmodSync(path, 0o644);
    assert.equal(loadOrCreateDashboardToken(dir).token, token);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    await cleanup();
  }
});

test('a file that holds no token is a clear error naming it, not a silent new token', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    writeFileSync(join(dir, 'dashboard.token'), 'short\n', { mode: 0o600 });
    assert.throws(
      () => loadOrCreateDashboardToken(dir),
      (err: unknown) =>
        err instanceof DashboardTokenError &&
        err.message.includes(join(dir, 'dashboard.token')) &&
        /delete it/.test(err.message),
    );
  } finally {
    await cleanup();
  }
});
