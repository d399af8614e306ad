/**
 * Qwen Code turns usage statistics (Alibaba RUM) off only in its settings, not by environment.
 * It reads a system settings file that overrides the user's, at a path an environment variable
 * may give. `airlock run` writes one per run under the data dir: the machine's own system
 * settings (if any) with the opt-outs merged in.
 *
 * Gemini CLI has the same variable (GEMINI_CLI_SYSTEM_SETTINGS_PATH) but skips, with a
 * "Security Warning" on the terminal, any system settings or defaults file that is not owned by
 * root in root-owned, non-writable folders (0.61: isFileAndDirectorySecureSync), so a per-user
 * file cannot work; its Clearcut host (play.googleapis.com) is refused by the proxy instead.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';

interface SettingsTarget {
  /** Environment variable the CLI reads the system settings path from. */
  envVar: string;
  /** The platform's default system settings path (merged when present). */
  defaultPath(): string;
  fileName: string;
}

const TARGETS: Record<'qwen', SettingsTarget> = {
  qwen: {
    envVar: 'QWEN_CODE_SYSTEM_SETTINGS_PATH',
    defaultPath: () =>
      platform() === 'darwin'
        ? '/Library/Application Support/QwenCode/settings.json'
        : platform() === 'win32'
          ? 'C:\\ProgramData\\qwen-code\\settings.json'
          : '/etc/qwen-code/settings.json',
    fileName: 'qwen-system-settings.json',
  },
};

/** Keys Qwen Code reads (0.15: privacy.usageStatisticsEnabled, telemetry.enabled, general.*AutoUpdate*). */
export const SETTINGS_OPT_OUTS = {
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: {
    enableAutoUpdate: false,
    enableAutoUpdateNotification: false,
    disableAutoUpdate: true,
    disableUpdateNag: true,
  },
} as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeSettings(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? mergeSettings(current, value) : value;
  }
  return out;
}

function readJson(path: string): Json {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * Writes the settings files into `dir` and returns the variables pointing at them. An existing
 * system settings file (from the variable or the platform default) is kept and extended.
 */
export function writeSettingsOverrides(dir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const vars: Record<string, string> = {};
  for (const target of Object.values(TARGETS)) {
    const existing = readJson(env[target.envVar] ?? target.defaultPath());
    const path = join(dir, target.fileName);
    writeFileSync(path, `${JSON.stringify(mergeSettings(existing, SETTINGS_OPT_OUTS), null, 2)}\n`, {
      mode: 0o600,
    });
    vars[target.envVar] = path;
  }
  return vars;
}
