#!/usr/bin/env node
/**
 * The `airlock` command: a thin shell over functions that tests call in-process.
 * Exit codes: 0 success, 1 findings / verification failed (scan, audit verify), 2 usage or
 * input error.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { isMainModule } from '../main-module.js';
import type { GatewayStarter } from '../run/gateway.js';
// `airlock env` is light as it is (node builtins only): registered and run from one module.
import { registerEnvCommand } from './commands/env.js';
import { registerAuditCommand } from './register/audit.js';
import { registerPolicyCommand } from './register/policy.js';
import { registerProxyCommand } from './register/proxy.js';
import { registerRunCommand } from './register/run.js';
import { registerScanCommand } from './register/scan.js';
import { registerSimulateCommand } from './register/simulate.js';
import { registerStartCommand } from './register/start.js';
import { AIRLOCK_VERSION } from '../version.js';

/**
 * The wiring `airlock start` uses, for `airlock run` when no gateway answers: the gateway (and
 * everything it pulls in) is loaded only then. Every other command registers from
 * src/cli/register/*, which holds options and help text only (and light constants); a command's
 * implementation is imported when it runs.
 */
const airlockGatewayStarter: GatewayStarter = async (opts) =>
  (await import('../app.js')).airlockGatewayStarter(opts);

export function buildProgram(): Command {
  const program = new Command('airlock')
    .description(
      'Egress gateway for AI coding assistants: pseudonymizes environment data and secrets in model requests, ' +
        'restores them in the answers, refuses telemetry, and audits every decision.',
    )
    .version(AIRLOCK_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStartCommand(program);
  registerRunCommand(program, { startGateway: airlockGatewayStarter });
  registerProxyCommand(program);
  registerScanCommand(program);
  registerAuditCommand(program);
  registerPolicyCommand(program);
  registerEnvCommand(program);
  registerSimulateCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`airlock: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`airlock: ${(err as Error).message}\n`);
    return 2;
  }
}

if (isMainModule(import.meta.url)) {
  void main(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exitCode = code;
  });
}
