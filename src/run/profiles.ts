/**
 * Which assistant a command is, for the parts of `airlock run` that differ per assistant
 * (Codex needs extra arguments; the others are served by the environment alone).
 */
import { basename } from 'node:path';

export const PROFILES = ['auto', 'claude', 'codex', 'gemini', 'qwen'] as const;
export type Profile = (typeof PROFILES)[number];
export type Assistant = Exclude<Profile, 'auto'> | 'generic';

const BY_BINARY: Record<string, Assistant> = {
  claude: 'claude',
  'claude.exe': 'claude',
  codex: 'codex',
  gemini: 'gemini',
  qwen: 'qwen',
};

/** npm package names that identify the assistant when it is started through node/npx. */
const BY_PACKAGE: [RegExp, Assistant][] = [
  [/@anthropic-ai\/claude-code/, 'claude'],
  [/@openai\/codex/, 'codex'],
  [/@google\/gemini-cli/, 'gemini'],
  [/@qwen-code\/qwen-code/, 'qwen'],
];

const LAUNCHERS = new Set(['node', 'npx', 'bunx', 'bun', 'pnpx', 'pnpm', 'yarn', 'npm']);

export interface Detected {
  assistant: Assistant;
  /** Index in `args` where the assistant's own arguments start (after `npx <package>`). */
  argsAt: number;
}

export function detectAssistant(command: string, args: readonly string[]): Detected {
  const name = basename(command).toLowerCase();
  const direct = BY_BINARY[name];
  if (direct) return { assistant: direct, argsAt: 0 };
  if (LAUNCHERS.has(name)) {
    // `npx @openai/codex ...`, `node node_modules/@google/gemini-cli/bundle/gemini.js`
    for (const [i, arg] of args.slice(0, 4).entries()) {
      for (const [pattern, assistant] of BY_PACKAGE)
        if (pattern.test(arg)) return { assistant, argsAt: i + 1 };
      const byName = BY_BINARY[basename(arg).toLowerCase()];
      if (byName) return { assistant: byName, argsAt: i + 1 };
    }
  }
  return { assistant: 'generic', argsAt: 0 };
}

export function resolveAssistant(profile: Profile, command: string, args: readonly string[]): Detected {
  const detected = detectAssistant(command, args);
  if (profile === 'auto') return detected;
  // A forced profile keeps the detected insertion point when detection agrees on a launcher.
  return { assistant: profile, argsAt: detected.assistant === profile ? detected.argsAt : 0 };
}
