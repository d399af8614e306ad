/**
 * `airlock scan`: what the command does once its arguments are parsed, a thin shell over
 * runScan(). Its options and help are in src/cli/register/scan.ts, which loads this module only
 * when the command runs.
 */
import { runScan } from '../../scan/run.js';
import { keepServingWhenStdoutCloses } from '../closed-stdout.js';
import type { ScanFlags } from '../register/scan.js';

export { registerScanCommand } from '../register/scan.js';

export async function scanAction(paths: string[], flags: ScanFlags): Promise<void> {
  // A reader that stops early (`airlock scan … | head`) closes the pipe: the report's EPIPE is
  // dropped instead of ending the command with a stack trace, and the exit code stays the scan's.
  keepServingWhenStdoutCloses();
  const colourAllowed = flags.color !== false && !process.env.NO_COLOR;
  const result = await runScan({
    paths,
    format: flags.format,
    failOn: flags.failOn,
    reveal: flags.reveal === true,
    color: colourAllowed && process.stdout.isTTY === true && !flags.output,
    ...(flags.output !== undefined ? { output: flags.output } : {}),
    ...(flags.policy !== undefined ? { policy: flags.policy } : {}),
    ...(flags.baseline !== undefined ? { baseline: flags.baseline } : {}),
    ...(flags.writeBaseline !== undefined ? { writeBaseline: flags.writeBaseline } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.progress ? { progress: process.stderr } : {}),
  });
  if (result.output) process.stdout.write(result.output);
  if (result.errors) process.stderr.write(result.errors);
  process.exitCode = result.exitCode;
}
