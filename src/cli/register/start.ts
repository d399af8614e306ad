/**
 * `airlock start`: options and help, registered without loading the gateway
 * (src/cli/commands/start.ts starts it, loaded when the command runs).
 */
import type { Command } from 'commander';
import type { StartOptions } from '../commands/start.js';
import { configOption, dataDirOption, portOption } from '../options.js';
import { untilSignal } from '../until-signal.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the gateway in the foreground and print the URL to point assistants at')
    .addOption(portOption('-p, --port <port>', 'port to listen on (default 8789)'))
    .addOption(portOption('--egress-port <port>', 'port of the egress (forward) proxy (default 8790)'))
    .option('--host <host>', 'address to listen on (default 127.0.0.1; anything else exposes the gateway)')
    .addOption(configOption())
    .addOption(dataDirOption())
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  AIRLOCK_UPSTREAM_ANTHROPIC, AIRLOCK_UPSTREAM_OPENAI, AIRLOCK_UPSTREAM_GEMINI  override upstream base URLs\n' +
        '  AIRLOCK_DATA_DIR  state directory (default ~/.airlock)',
    )
    .action(async (opts: StartOptions) => {
      const { startFromOptions, usageBanner } = await import('../commands/start.js');
      const { airlock, dataDir } = await startFromOptions(opts);
      process.stdout.write(usageBanner(airlock, dataDir));
      process.stdout.write('Stop with Ctrl-C.\n');
      await untilSignal((signal) => {
        airlock.logger.info({ signal }, 'stopping: finishing answers in flight and flushing the audit log');
        return airlock.close();
      });
    });
}
