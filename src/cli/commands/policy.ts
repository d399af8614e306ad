/**
 * `airlock policy check FILE`: validate a policy; every problem with file, line, column, key.
 * `airlock policy init [FILE]`: write the commented default policy.
 * `airlock policy schema [--write FILE]`: print (or write) the policy's JSON Schema.
 * Exit codes: 0 valid / written, 1 invalid policy, 2 usage error (e.g. refusing to overwrite).
 * Registered (options, help) in src/cli/register/policy.ts, which loads this module only when a
 * policy command runs.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../../config/yaml-zod.js';
import { DEFAULT_POLICY_YAML } from '../../policy/default.js';
import { policyJsonSchemaText } from '../../policy/json-schema.js';
import { checkCustomRuleSamples, engineForPolicy } from '../../policy/engine.js';
import { loadPolicy } from '../../policy/load.js';

export { DEFAULT_POLICY_FILE, registerPolicyCommand } from '../register/policy.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runPolicyCheck(file: string): CommandResult {
  try {
    const compiled = loadPolicy(file);
    // Custom rules compile only in the engine; their samples must behave as the file says.
    let engineProblems: string[];
    try {
      engineProblems = checkCustomRuleSamples(compiled, engineForPolicy(compiled));
    } catch (err) {
      engineProblems = [(err as Error).message];
    }
    if (engineProblems.length > 0) {
      return {
        exitCode: 1,
        stdout: '',
        stderr: `${engineProblems.map((p) => `${file}: ${p}`).join('\n')}\n`,
      };
    }
    const p = compiled.policy;
    const summary = `${file}: valid (mode ${p.mode}, on_error ${p.on_error}, ${p.scopes.length} scope(s), ${p.custom_rules.length} custom rule(s))\n`;
    return { exitCode: 0, stdout: summary, stderr: '' };
  } catch (err) {
    if (err instanceof ConfigError)
      return { exitCode: 1, stdout: '', stderr: `${err.problems.join('\n')}\n` };
    throw err;
  }
}

export function runPolicyInit(file: string, options: { force?: boolean } = {}): CommandResult {
  if (existsSync(file) && !options.force) {
    return { exitCode: 2, stdout: '', stderr: `${file} already exists; use --force to overwrite it\n` };
  }
  writeFileSync(file, DEFAULT_POLICY_YAML, { mode: 0o644 });
  return { exitCode: 0, stdout: `wrote ${file}; point "policy:" in airlock.yaml at it\n`, stderr: '' };
}

export function runPolicySchema(options: { write?: string } = {}): CommandResult {
  const text = policyJsonSchemaText();
  if (options.write === undefined) return { exitCode: 0, stdout: text, stderr: '' };
  writeFileSync(options.write, text);
  return { exitCode: 0, stdout: `wrote ${options.write}\n`, stderr: '' };
}
