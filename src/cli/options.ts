/** Options shared by every command that reads state or config, spelled the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';

export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'state directory (keys, audit database, vault)').env('AIRLOCK_DATA_DIR');

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
