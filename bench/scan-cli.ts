/**
 * The `airlock scan` command alone, for whole-process benchmarks: commander + registerScanCommand
 * exactly as the CLI wires it; prints the process's peak RSS (worker threads included) to stderr.
 */
import { Command } from 'commander';
import { registerScanCommand } from '../src/cli/commands/scan.js';

const program = new Command('airlock').exitOverride();
registerScanCommand(program);
process.on('exit', () => process.stderr.write(`maxRSS_KB=${process.resourceUsage().maxRSS}\n`));
await program.parseAsync(process.argv.slice(2), { from: 'user' });
