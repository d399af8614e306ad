/** `airlock proxy`: the egress forward proxy alone, in the foreground. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import { describeProxyUrl } from '../../egress/upstream.js';
import { startForwardProxy } from '../../egress/proxy.js';
import { inheritedNoProxy, inheritedUpstreamProxy } from '../../run/env.js';
import { readEgressSection } from '../../run/gateway.js';
import { configOption, parsePort } from '../options.js';

interface ProxyFlags {
  port: number;
  host: string;
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
      new Option('-p, --port <port>', 'port to listen on').default(8790).argParser((v) => {
        try {
          return parsePort(v);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      }),
    )
    .option(
      '--host <host>',
      'address to listen on (anything but loopback lets the network use it)',
      '127.0.0.1',
    )
    .option('--strict', 'refuse every destination not on egress.allow')
    .option(
      '--upstream-proxy <url>',
      'outbound proxy (default: upstream_proxy from the config, else HTTPS_PROXY)',
    )
    .addOption(configOption())
    .action(async (flags: ProxyFlags) => {
      const { config } = loadConfig(flags.config);
      const section = readEgressSection(config.policy) ?? {};
      const upstreamProxy =
        flags.upstreamProxy ?? config.upstream_proxy ?? inheritedUpstreamProxy(process.env);
      const proxy = await startForwardProxy({
        host: flags.host,
        port: flags.port,
        policy: flags.strict ? { ...section, profile: 'strict' } : section,
        upstreamProxy,
        upstreamBypass: inheritedNoProxy(process.env),
      });
      process.stdout.write(
        `Airlock egress proxy on ${proxy.url}${upstreamProxy ? ` (outbound via ${describeProxyUrl(upstreamProxy)})` : ''}\n` +
          `  export HTTPS_PROXY=${proxy.url} HTTP_PROXY=${proxy.url} NO_PROXY=127.0.0.1,localhost,::1\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void proxy.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
