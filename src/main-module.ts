/** Whether a module is the script Node was started with (`node path/to/it.js`, a bin). */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `moduleUrl` is the caller's `import.meta.url`. A bin is reached through symlinks
 * (node_modules/.bin, the npx cache), so real paths are compared; a path that cannot be
 * resolved is not the script.
 */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
