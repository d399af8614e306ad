/**
 * Reads a policy file: YAML → strict zod validation → compiled, frozen policy. Every problem is
 * reported with file, line, column and key (`policy.yaml:12:3: categories: unknown key "secrets"`),
 * all at once and in the order of the file, so one run of `airlock policy check` shows
 * everything to fix.
 */
import { ConfigError, deepFreeze, parseYaml } from '../config/yaml-zod.js';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { BUILT_IN_POLICY_SOURCE, DEFAULT_POLICY_YAML } from './default.js';
import { byPosition } from './positions.js';
import { policySchema, type Policy } from './schema.js';
import { readConfigText } from '../config/config-error.js';

export { ConfigError as PolicyError } from '../config/yaml-zod.js';

/** Validates policy text; throws ConfigError listing every problem with its line and column. */
export function parsePolicy(text: string, file: string): Policy {
  try {
    return deepFreeze(parseYaml(text, file, policySchema));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(file, byPosition(file, err.problems));
    throw err;
  }
}

/** Validates and compiles policy text, keeping the text with the policy. */
export function policyFromText(text: string, file: string): CompiledPolicy {
  return compilePolicy(parsePolicy(text, file), file, text);
}

export function loadPolicy(file: string): CompiledPolicy {
  return policyFromText(readConfigText(file, 'policy'), file);
}

/** The built-in policy (the same text `airlock policy init` writes). */
export function defaultPolicy(): CompiledPolicy {
  return policyFromText(DEFAULT_POLICY_YAML, BUILT_IN_POLICY_SOURCE);
}

/** The policy file if one is configured, else the built-in default. */
export function loadPolicyOrDefault(file: string | undefined): CompiledPolicy {
  return file === undefined ? defaultPolicy() : loadPolicy(file);
}
