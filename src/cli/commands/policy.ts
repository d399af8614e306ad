/**
 * `airlock policy check FILE`: validate a policy; every problem with file, line, column, key.
 * `airlock policy init [FILE]`: write the commented default policy.
 * `airlock policy schema [--write FILE]`: print (or write) the policy's JSON Schema.
 * Exit codes: 0 valid / written, 1 invalid policy, 2 usage error (e.g. refusing to overwrite).
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../config/yaml-zod.js';
import { DEFAULT_POLICY_YAML } from '../../policy/default.js';
import { policyJsonSchemaText } from '../../policy/json-schema.js';
import { checkCustomRuleSamples, engineForPolicy } from '../../policy/engine.js';
import { loadPolicy } from '../../policy/load.js';

export const DEFAULT_POLICY_FILE = 'airlock-policy.yaml';

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

function emit(result: CommandResult): void {
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.exitCode !== 0) process.exitCode = result.exitCode;
}

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('check, create and describe policy files');
  policy
    .command('check')
    .description('validate a policy file; errors name the line, column and key (exit 1 when invalid)')
    .argument('<file>', 'policy file (YAML)')
    .action((file: string) => emit(runPolicyCheck(file)));
  policy
    .command('init')
    .description('write the commented default policy')
    .argument('[file]', 'where to write it', DEFAULT_POLICY_FILE)
    .option('-f, --force', 'overwrite an existing file')
    .action((file: string, opts: { force?: boolean }) => emit(runPolicyInit(file, opts)));
  policy
    .command('schema')
    .description('print the JSON Schema of policy files (for editors)')
    .option('-w, --write <file>', 'write it to a file instead')
    .action((opts: { write?: string }) => emit(runPolicySchema(opts)));
}
