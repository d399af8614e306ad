/** isMainModule: the bin and the schema generator run only when started as the script. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isMainModule } from '../src/main-module.js';

describe('isMainModule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-main-module-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const helper = pathToFileURL(join(import.meta.dirname, '../src/main-module.ts')).href;
  // A script that says whether it is the main module, and whether a module it imports thinks it is.
  writeFileSync(
    join(dir, 'imported.mjs'),
    `export { isMainModule } from ${JSON.stringify(helper)};\nexport const url = import.meta.url;\n`,
  );
  writeFileSync(
    join(dir, 'script.mjs'),
    `import { isMainModule, url } from './imported.mjs';\n` +
      `process.stdout.write(JSON.stringify([isMainModule(import.meta.url), isMainModule(url)]));\n`,
  );
  const run = (script: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' }),
    ) as boolean[];

  it('is true for the script started, false for a module it imports', () => {
    assert.deepEqual(run(join(dir, 'script.mjs')), [true, false]);
  });

  it('is true when the script is started through a symlink (node_modules/.bin, the npx cache)', () => {
    symlinkSync(join(dir, 'script.mjs'), join(dir, 'bin-link.mjs'));
    assert.deepEqual(run(join(dir, 'bin-link.mjs')), [true, false]);
  });

  it('is false for any module in this test process but the test file, and for a path that does not exist', () => {
    assert.equal(isMainModule(pathToFileURL(join(dir, 'no-such-file.mjs')).href), false);
    assert.equal(isMainModule(helper), false);
  });
});
