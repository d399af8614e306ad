/**
 * Load the gateway config once at the edge: file (if any) → defaults → environment overrides →
 * validate → freeze. Nothing below reads the environment for settings again.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { configSchema, type Config } from './schema.js';
import { ConfigError, deepFreeze, parseYaml } from './yaml-zod.js';
import { readConfigText } from './config-error.js';

export const DEFAULT_CONFIG_FILE = 'airlock.yaml';

export interface LoadedConfig {
  config: Config;
  /** The file it came from; undefined when only defaults and environment applied. */
  file?: string;
}

const UPSTREAM_ENV = {
  anthropic: 'AIRLOCK_UPSTREAM_ANTHROPIC',
  openai: 'AIRLOCK_UPSTREAM_OPENAI',
  gemini: 'AIRLOCK_UPSTREAM_GEMINI',
} as const;

/**
 * @param file  an explicit `--config` path (must exist), or undefined to use `./airlock.yaml`
 *              when present.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let fromFile: Config;
  if (path !== undefined) {
    // Validated on its own so that errors point at its lines.
    fromFile = parseYaml(readConfigText(path, 'config'), path, configSchema);
  } else {
    fromFile = configSchema.parse({});
  }
  // The environment overrides upstreams only. They are validated on their own and merged into
  // the parsed file: parsing the file's parsed output again would apply its transforms twice
  // (`retain: 90d` would become a number and then be refused).
  const overrides: Record<string, string> = {};
  for (const [provider, name] of Object.entries(UPSTREAM_ENV)) {
    const value = env[name];
    if (value) overrides[provider] = value;
  }
  const result = configSchema.shape.upstreams.safeParse({ ...fromFile.upstreams, ...overrides });
  if (!result.success) {
    throw new ConfigError(
      'environment',
      result.error.issues.map((i) => {
        // The value itself is not repeated: an upstream URL may carry a credential.
        const name = UPSTREAM_ENV[i.path[0] as keyof typeof UPSTREAM_ENV] ?? 'the environment';
        return `upstreams.${i.path.join('.')}: ${i.message} (from ${name})`;
      }),
    );
  }
  const config: Config = { ...fromFile, upstreams: result.data };
  if (config.policy && path) config.policy = resolve(dirname(path), config.policy);
  return { config: deepFreeze(config), ...(path ? { file: resolve(path) } : {}) };
}

/** `--data-dir`, else `AIRLOCK_DATA_DIR`, else `~/.airlock`. */
export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.AIRLOCK_DATA_DIR ?? resolve(homedir(), '.airlock'));
}
