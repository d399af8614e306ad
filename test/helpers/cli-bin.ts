/**
 * Where the tests find the real assistant CLIs: the pinned devDependencies in node_modules/.bin,
 * or the directory in $AIRLOCK_CLI_BIN_DIR, so that newer releases installed elsewhere (e.g.
 * `npm install --prefix /tmp/cli-latest @anthropic-ai/claude-code@latest ...`) can be tried
 * against the same scenarios before the pins are bumped.
 */
import path from 'node:path';

export const CLI_BIN_DIR =
  process.env['AIRLOCK_CLI_BIN_DIR'] ?? path.resolve(import.meta.dirname, '../../node_modules/.bin');

export function cliBin(name: 'claude' | 'codex' | 'gemini' | 'qwen'): string {
  return path.join(CLI_BIN_DIR, name);
}
