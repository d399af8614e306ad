/**
 * `airlock run`: what the command does once its arguments are parsed. Registered (options, help)
 * in src/cli/register/run.ts, which loads this module (and the runner) only when the command runs.
 */
import { resolveDataDir } from '../../config/load.js';
import { runUnderAirlock } from '../../run/run.js';
import type { RunCommandDeps, RunFlags } from '../register/run.js';

export { registerRunCommand, type RunCommandDeps } from '../register/run.js';

export async function runAction(
  command: string,
  args: string[],
  flags: RunFlags,
  deps: RunCommandDeps,
): Promise<number> {
  return runUnderAirlock({
    command,
    args,
    profile: flags.profile,
    neutralEnv: flags.neutralEnv === true,
    gateway: flags.gateway,
    dataDir: resolveDataDir(flags.dataDir),
    configFile: flags.config,
    strictEgress: flags.strictEgress === true,
    quiet: flags.quiet === true,
    ...(deps.startGateway ? { startGateway: deps.startGateway } : {}),
  });
}
