/**
 * `airlock start`: options and help, registered without loading the gateway
 * (src/cli/commands/start.ts starts it, loaded when the command runs).
 */
import type { Command } from 'commander';
import type { StartOptions } from '../commands/start.js';
import { configOption, dataDirOption, gatewayEnvironmentHelp, portOption } from '../options.js';
import { keepServingWhenStdoutCloses } from '../closed-stdout.js';
import { stopSignal } from '../until-signal.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the gateway in the foreground and print the URL to point assistants at')
    .addOption(
      portOption('-p, --port <port>', 'port to listen on (default: listen.port of the config, else 8789)'),
    )
    .addOption(
      portOption(
        '--egress-port <port>',
        'port of the egress (forward) proxy (default: egress_proxy.port of the config, else 8790)',
      ),
    )
    .option(
      '--host <host>',
      'address to listen on (default: listen.host of the config, else 127.0.0.1; anything but loopback exposes the gateway)',
    )
    .addOption(configOption())
    .addOption(dataDirOption())
    .addHelpText('after', gatewayEnvironmentHelp())
    .action(async (opts: StartOptions) => {
      const { startFromOptions, usageBanner } = await import('../commands/start.js');
      // Handled from before the start: a stop signal while it runs (an audit store that is slow to
      // answer, the gateway already serving while the egress proxy opens) stops it once it is up,
      // with its audit queue flushed, instead of killing the process part-way. A second signal
      // kills it as before.
      keepServingWhenStdoutCloses();
      const stop = stopSignal();
      let started: Awaited<ReturnType<typeof startFromOptions>>;
      try {
        started = await startFromOptions(opts);
      } catch (err) {
        // startAirlock has closed what it opened: nothing is left to stop on a signal.
        stop.cancel();
        throw err;
      }
      const { airlock, config, dataDir } = started;
      process.stdout.write(
        usageBanner(airlock, dataDir, {
          listenHost: config.listen.host,
          allowRemote: config.dashboard.allow_remote,
        }),
      );
      process.stdout.write('Stop with Ctrl-C.\n');
      const signal = await stop.received;
      airlock.logger.info({ signal }, 'stopping: finishing answers in flight and flushing the audit log');
      await airlock.close();
    });
}
