/**
 * `airlock policy check FILE`: validate a policy; every problem with file, line, column, key.
 * `airlock policy init [FILE]`: write the commented default policy.
 * `airlock policy schema [--write FILE]`: print (or write) the policy's JSON Schema.
 * Exit codes: 0 valid / written (warnings, such as a key without effect, do not change it),
 * 1 invalid policy, 2 usage or input error (a file that cannot be read, refusing to overwrite).
 * Registered (options, help) in src/cli/register/policy.ts, which loads this module only when a
 * policy command runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../../config/yaml-zod.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import { DEFAULT_POLICY_YAML } from '../../policy/default.js';
import { policyJsonSchemaText } from '../../policy/json-schema.js';
import { checkCustomRuleSamples, engineForPolicy } from '../../policy/engine.js';
import { policyFromText } from '../../policy/load.js';
import { keyLocator } from '../../config/yaml-zod.js';
import { byPosition } from '../../policy/positions.js';
import { policyWarnings } from '../../policy/warnings.js';

export { DEFAULT_POLICY_FILE, registerPolicyCommand } from '../register/policy.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const lines = (list: readonly string[]): string => (list.length === 0 ? '' : `${list.join('\n')}\n`);

export function runPolicyCheck(file: string): CommandResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // Missing, a folder, unreadable: nothing was checked, which is an input error (as for
    // `scan` and `start`), not an invalid policy.
    return {
      exitCode: 2,
      stdout: '',
      stderr: `${file}: cannot read policy file: ${(err as Error).message}\n`,
    };
  }
  let compiled: CompiledPolicy;
  try {
    compiled = policyFromText(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return { exitCode: 1, stdout: '', stderr: lines(err.problems) };
    throw err;
  }
  // The samples run in the engine as a request would: with the built-in rules beside them.
  let problems: string[];
  try {
    const locate = keyLocator(text);
    problems = checkCustomRuleSamples(compiled, engineForPolicy(compiled)).map(
      (p) => `${file}:${locate(p.key)}: ${p.key.join('.')}: ${p.message}`,
    );
  } catch (err) {
    problems = [`${file}: ${(err as Error).message}`];
  }
  const report = byPosition(file, [...problems, ...policyWarnings(text, file)]);
  if (problems.length > 0) return { exitCode: 1, stdout: '', stderr: lines(report) };
  const p = compiled.policy;
  const summary = `${file}: valid (mode ${p.mode}, on_error ${p.on_error}, ${p.scopes.length} scope(s), ${p.custom_rules.length} custom rule(s))\n`;
  return { exitCode: 0, stdout: summary, stderr: lines(report) };
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
