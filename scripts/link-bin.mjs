/**
 * Links this package's own `airlock` bin into node_modules/.bin, as npm links the bins of its
 * dependencies (it never links the root package's). `npx airlock` in a clone then finds the
 * command there at once; without the link, npm exec loads the whole installed tree to learn that
 * the command is the root package's own: about 10 s with the assistant CLIs the tests install,
 * against 1 s. Run at the end of `prepare`; on Windows it does nothing (npx still works there).
 */
import process from 'node:process';
import { chmodSync, existsSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist/src/cli/main.js');
const binDir = join(root, 'node_modules/.bin');
const link = join(binDir, 'airlock');

if (process.platform !== 'win32' && existsSync(bin) && existsSync(join(root, 'node_modules'))) {
  // npm makes a dependency's bin executable when it links it; tsc writes files without the bit.
  chmodSync(bin, 0o755);
  mkdirSync(binDir, { recursive: true });
  const target = relative(binDir, bin);
  let current;
  try {
    current = readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== target) {
    if (current !== undefined) unlinkSync(link);
    symlinkSync(target, link);
  }
}
