/**
 * `airlock simulate`: options and help, registered without loading the simulator
 * (src/cli/commands/simulate.ts starts it, loaded when the command runs).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { SimulateOptions } from '../commands/simulate.js';
import { parsePort } from '../options.js';
import { keepServingWhenStdoutCloses } from '../closed-stdout.js';
import { stopSignal } from '../until-signal.js';

export const DEFAULT_SIMULATOR_PORT = 8788;

function intArg(min: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be an integer >= ${min}`);
    return n;
  };
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'run a local simulator of the Anthropic, OpenAI and Gemini APIs (scripted answers, no account needed)',
    )
    .addOption(
      new Option('-p, --port <port>', `port to listen on (default: ${DEFAULT_SIMULATOR_PORT})`).argParser(
        (v) => {
          try {
            return parsePort(v);
          } catch (err) {
            throw new InvalidArgumentError((err as Error).message);
          }
        },
      ),
    )
    .option('--host <host>', 'address to listen on (default: 127.0.0.1)')
    .addOption(
      new Option('--pacing-ms <ms>', 'delay between streamed events (default: 0)').argParser(
        intArg(0, 'pacing'),
      ),
    )
    .addOption(
      new Option(
        '--chunk-size <n>',
        'characters per streamed text delta (default: one word per delta)',
      ).argParser(intArg(1, 'chunk size')),
    )
    .option('--script <file>', 'answers to give: a JSON or YAML simulator script (default: a short greeting)')
    .option('--log', 'print one line per received request')
    .action(async (opts: SimulateOptions) => {
      const { simulateFromOptions, simulatorBanner } = await import('../commands/simulate.js');
      const sim = await simulateFromOptions(opts);
      // Handled before the banner goes out: a signal sent as soon as it is read stops the simulator.
      keepServingWhenStdoutCloses();
      const stop = stopSignal();
      process.stdout.write(simulatorBanner(sim));
      process.stdout.write('Stop with Ctrl-C.\n');
      await stop.received;
      await sim.close();
    });
}
