/**
 * Worker threads started from the TypeScript sources (tests, `airlock` through tsx) load tsx
 * themselves: that must work from any working directory, as the CLI does (`airlock run` in a
 * project folder, `airlock scan` of another folder), not only from the repository.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, TSX_IMPORT } from './run/helpers.js';

test('a worker thread starts from sources when the working directory cannot see tsx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-worker-cwd-'));
  try {
    const store = JSON.stringify(join(ROOT, 'src/audit/sqlite-threaded.ts'));
    const code = [
      `const { ThreadedSqliteStore } = await import(${store});`,
      `const s = new ThreadedSqliteStore({ path: ${JSON.stringify(join(dir, 'audit.db'))} });`,
      'await s.init();',
      'console.log(`synchronous=${await s.writerSynchronous()}`);',
      'await s.close();',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', TSX_IMPORT, '--input-type=module', '-e', code], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /synchronous=[12]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
