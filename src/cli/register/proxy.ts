/**
 * `airlock proxy`: options and help, registered without loading the egress proxy
 * (src/cli/commands/proxy.ts runs it, loaded when the command runs).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { configOption, parsePort } from '../options.js';

export interface ProxyFlags {
  /** Default: egress_proxy.port of the config (8790). */
  port?: number;
  /** Default: egress_proxy.host of the config (127.0.0.1). */
  host?: string;
  config?: string;
  strict?: boolean;
  upstreamProxy?: string;
}

export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description(
      'run the egress proxy: refuses the model APIs (they go through the gateway) and telemetry hosts, logs every destination',
    )
    .addOption(
      new Option(
        '-p, --port <port>',
        'port to listen on (default: egress_proxy.port of the config, else 8790)',
      ).argParser((v) => {
        try {
          return parsePort(v);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      }),
    )
    .option(
      '--host <host>',
      'address to listen on (default: egress_proxy.host of the config, else 127.0.0.1; anything but loopback lets the network use it, and then destinations on this host and cloud metadata are refused)',
    )
    .option('--strict', 'refuse every destination not on egress.allow')
    .option(
      '--upstream-proxy <url>',
      'outbound proxy (default: upstream_proxy from the config, else HTTPS_PROXY)',
    )
    .addOption(configOption())
    .addHelpText(
      'after',
      "\nDestinations are decided by the egress: section of the config's policy file (docs/egress.md),\n" +
        'which is followed while the proxy runs: a changed file takes effect for new connections.',
    )
    .action(async (flags: ProxyFlags) => {
      const { proxyAction } = await import('../commands/proxy.js');
      await proxyAction(flags);
    });
}
