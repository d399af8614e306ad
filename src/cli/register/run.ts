/**
 * `airlock run [options] -- COMMAND [ARGS...]`: run an assistant behind the gateway and the
 * egress proxy. Options and help, registered without loading the runner or the gateway
 * (src/cli/commands/run.ts runs it, loaded when the command runs).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_GATEWAY_URL } from '../../run/defaults.js';
import { PROFILES, type Profile } from '../../run/profiles.js';
import type { GatewayStarter } from '../../run/gateway.js';
import { configOption, dataDirOption, gatewayEnvironmentHelp } from '../options.js';

export interface RunFlags {
  profile: Profile;
  neutralEnv?: boolean;
  gateway: string;
  dataDir?: string;
  config?: string;
  strictEgress?: boolean;
  quiet?: boolean;
}

export interface RunCommandDeps {
  /** How an in-process gateway is started (the wiring `airlock start` uses); default startInspectingGateway. */
  startGateway?: GatewayStarter;
}

export function registerRunCommand(program: Command, deps: RunCommandDeps = {}): void {
  // Lets `airlock run claude -p hi` pass `-p` to claude (options after COMMAND are its own).
  program.enablePositionalOptions();
  program
    .command('run')
    .description(
      'run an assistant (or any command) with its model traffic through the gateway and every other connection through the egress proxy',
    )
    .argument('<command>', 'the command to run (claude, codex, gemini, qwen, npm, ...)')
    .argument('[args...]', 'its arguments')
    .addOption(
      new Option('--profile <name>', 'assistant-specific setup')
        .choices([...PROFILES])
        .default('auto', 'auto'),
    )
    .option('--neutral-env', 'also give the command TZ=UTC and the C.UTF-8 locale')
    .addOption(
      new Option(
        '--gateway <url>',
        'use the gateway at URL when it answers /healthz, else start one in this process',
      )
        .default(DEFAULT_GATEWAY_URL, DEFAULT_GATEWAY_URL)
        .argParser(gatewayUrl),
    )
    .option('--strict-egress', 'refuse every destination not on egress.allow (the gateway stays reachable)')
    .option('-q, --quiet', 'no summary of refused destinations on stderr')
    .addOption(dataDirOption())
    .addOption(configOption())
    .passThroughOptions()
    .addHelpText(
      'after',
      '\nThe command gets ANTHROPIC_BASE_URL, OPENAI_BASE_URL and GOOGLE_GEMINI_BASE_URL at the gateway,\n' +
        "HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and every tool's own *_proxy variable (npm_config_https_proxy...)\n" +
        "at the egress proxy (NO_PROXY for loopback), and the assistants' telemetry opt-outs; Codex also\n" +
        "gets a model provider (-c overrides). Your own proxy (HTTPS_PROXY, or a tool's) becomes Airlock's\n" +
        "outbound proxy. Exit code: the command's (128+N when signal N ended it; 127 not found, 126 not\n" +
        'executable); 2 when Airlock fails before the command runs (usage, config, gateway start).\n' +
        'Example: airlock run -- claude',
    )
    .addHelpText('after', gatewayEnvironmentHelp(' (of a gateway started in this process)'))
    .action(async (command: string, args: string[], flags: RunFlags) => {
      const { runAction } = await import('../commands/run.js');
      process.exitCode = await runAction(command, args, flags, deps);
    });
}

/**
 * A gateway URL: http or https. Anything else would never answer the health check, and the run
 * would quietly start a gateway of its own instead of the one the user named.
 */
function gatewayUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`not a URL: "${value}" (e.g. http://127.0.0.1:8789)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`use an http:// or https:// URL, not "${value}"`);
  return value;
}
