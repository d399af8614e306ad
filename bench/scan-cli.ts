/**
 * The real `airlock` entry, main() of src/cli/main.ts, for manual whole-process runs
 * (`node --import tsx bench/scan-cli.ts scan <paths>`): prints the process's peak RSS (worker
 * threads included) to stderr on exit. bench/scan.ts runs the compiled src/cli/main.js itself
 * and takes peak RSS from /usr/bin/time.
 */
import { main } from '../src/cli/main.js';

process.on('exit', () => process.stderr.write(`maxRSS_KB=${process.resourceUsage().maxRSS}\n`));
process.exitCode = await main(process.argv.slice(2));
