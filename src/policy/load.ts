/**
 * Reads a policy file: YAML → strict zod validation → compiled, frozen policy. Every problem is
 * reported with file, line, column and key (`policy.yaml:12:3: categories: unknown key "secrets"`),
 * all at once, so one run of `airlock policy check` shows everything to fix.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, deepFreeze, parseYaml } from '../config/yaml-zod.js';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { DEFAULT_POLICY_YAML } from './default.js';
import { policySchema, type Policy } from './schema.js';

export { ConfigError as PolicyError } from '../config/yaml-zod.js';

/** Validates policy text; throws ConfigError listing every problem with its line and column. */
export function parsePolicy(text: string, file: string): Policy {
  return deepFreeze(parseYaml(text, file, policySchema));
}

export function loadPolicy(file: string): CompiledPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`${file}: cannot read policy file: ${(err as Error).message}`]);
  }
  return compilePolicy(parsePolicy(text, file), file);
}

/** Like loadPolicy, but undefined for an empty file (an editor between truncating and writing). */
export function reloadPolicy(file: string): CompiledPolicy | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // Between an editor's unlink and rename the file may be missing for a moment.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(file, [`${file}: cannot read policy file: ${(err as Error).message}`]);
  }
  if (text.trim() === '') return undefined;
  return compilePolicy(parsePolicy(text, file), file);
}

/** The built-in policy (the same text `airlock policy init` writes). */
export function defaultPolicy(): CompiledPolicy {
  return compilePolicy(
    parsePolicy(DEFAULT_POLICY_YAML, '(built-in default policy)'),
    '(built-in default policy)',
  );
}

/** The policy file if one is configured, else the built-in default. */
export function loadPolicyOrDefault(file: string | undefined): CompiledPolicy {
  return file === undefined ? defaultPolicy() : loadPolicy(file);
}
