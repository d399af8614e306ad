/**
 * This package's version, from its own package.json: found upward from this module, which runs
 * from src/ (tsx) or dist/src/ (the built bin). `npm_package_version`, read before, is the
 * version of whatever package's npm script started the command.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let up = 0; up < 4; up++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'airlock' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // none here, or not ours: look further up
    }
    dir = new URL('..', dir);
  }
  return '0.0.0';
}

export const AIRLOCK_VERSION = readVersion();
