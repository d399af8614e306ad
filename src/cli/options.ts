/** Options shared by every command that reads state or config, spelled the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';

/** The default state directory, as help text shows it (src/config/load.ts resolveDataDir). */
export const DEFAULT_DATA_DIR_SHOWN = '~/.airlock';

export const dataDirOption = () =>
  new Option(
    '--data-dir <dir>',
    `state directory: keys, audit database, vault (default: ${DEFAULT_DATA_DIR_SHOWN})`,
  ).env('AIRLOCK_DATA_DIR');

/**
 * The "Environment:" section of the help of the commands that start a gateway (`start`, and
 * `run` when none answers): what the gateway reads from the environment (src/config/load.ts).
 * @param scope appended to the upstream line, e.g. where the override applies
 */
export const gatewayEnvironmentHelp = (scope = '') =>
  '\nEnvironment:\n' +
  `  AIRLOCK_UPSTREAM_ANTHROPIC, AIRLOCK_UPSTREAM_OPENAI, AIRLOCK_UPSTREAM_GEMINI  override upstream base URLs${scope}\n` +
  `  AIRLOCK_DATA_DIR  state directory (default: ${DEFAULT_DATA_DIR_SHOWN})`;

export const configOption = () =>
  new Option('-c, --config <file>', 'gateway config file (default: ./airlock.yaml when present)');

export function parsePort(value: string): number {
  // Digits only: Number() also reads "" as 0 (a random port), "0x4820" as 18464 and "1.8e4".
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port "${value}"`);
  return port;
}

/** A port option that refuses anything but 0..65535 with commander's usage error. */
export const portOption = (flags: string, description: string) =>
  new Option(flags, description).argParser((value) => {
    try {
      return parsePort(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
