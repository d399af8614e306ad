/**
 * `airlock policy check | init | schema`: options and help, registered without loading the
 * policy engine (src/cli/commands/policy.ts does the work). Exit codes: 0 valid / written,
 * 1 invalid policy, 2 usage or input error (a file that cannot be read, refusing to overwrite).
 */
import { Argument, type Command } from 'commander';

export const DEFAULT_POLICY_FILE = 'airlock-policy.yaml';

interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function emit(result: CommandResult): void {
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.exitCode !== 0) process.exitCode = result.exitCode;
}

const impl = () => import('../commands/policy.js');

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('check, create and describe policy files');
  policy
    .command('check')
    .description(
      'validate a policy file; errors name the line, column and key (exit 1 when invalid, 2 when unreadable)',
    )
    .argument('<file>', 'policy file (YAML)')
    .action(async (file: string) => emit((await impl()).runPolicyCheck(file)));
  policy
    .command('init')
    .description('write the commented default policy')
    .addArgument(
      new Argument('[file]', 'where to write it').default(DEFAULT_POLICY_FILE, DEFAULT_POLICY_FILE),
    )
    .option('-f, --force', 'overwrite an existing file (without it, an existing file is refused: exit 2)')
    .action(async (file: string, opts: { force?: boolean }) =>
      emit((await impl()).runPolicyInit(file, opts)),
    );
  policy
    .command('schema')
    .description('print the JSON Schema of policy files (for editors)')
    .option('-w, --write <file>', 'write it to a file instead')
    .action(async (opts: { write?: string }) => emit((await impl()).runPolicySchema(opts)));
}
