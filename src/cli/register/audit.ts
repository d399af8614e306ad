/**
 * `airlock audit tail | export | verify`: options and help, registered without loading the
 * audit stores (src/cli/commands/audit.ts does the work, loaded when a command runs).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ExportCliOptions, TailCliOptions, VerifyCliOptions } from '../commands/audit.js';
import { configOption, dataDirOption } from '../options.js';

const impl = () => import('../commands/audit.js');

const storeOption = () =>
  new Option(
    '--store <url>',
    'audit store: sqlite, sqlite:<path> or postgres://...; without it: AIRLOCK_AUDIT_STORE, else the ' +
      'audit: section of the config file, else the audit: key of the policy file that config names, ' +
      'else <data-dir>/audit.db (the store airlock start writes to)',
  ).env('AIRLOCK_AUDIT_STORE');

/** `-n`: refused here, while the text typed is at hand (`Number('abc')` would show as NaN). */
function parseLines(value: string): number {
  const lines = Number(value);
  if (value.trim() === '' || !Number.isInteger(lines) || lines < 1 || lines > 1000)
    throw new InvalidArgumentError('use a whole number from 1 to 1000');
  return lines;
}

function setExit(code: number): void {
  if (code !== 0) process.exitCode = code;
}

/** `airlock audit export | head`: stdout's EPIPE arrives as an event; end quietly, like cat. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/**
 * `airlock audit verify | head -1`: the reader may leave before the whole report is written.
 * Unhandled, stdout's EPIPE crashed the command with exit code 1, which says "tampered"; the
 * rest of the report is dropped and the command ends with its verdict (it is known before the
 * first line is written).
 */
function ignoreClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('read, export and verify the tamper-evident audit log');

  audit
    .command('tail')
    .description('print the latest audit events; --follow keeps printing new ones')
    .option('-f, --follow', 'keep printing events as they are recorded (Ctrl-C to stop)')
    .option('-n, --lines <n>', 'how many recent events to print first (1 to 1000)', parseLines, 20)
    .option('--json', 'one JSON event per line')
    .addOption(dataDirOption())
    .addOption(configOption())
    .addOption(storeOption())
    .action(async (opts: TailCliOptions) => {
      quietOnClosedPipe();
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        setExit(await (await impl()).runAuditTail({ ...opts, signal: controller.signal }));
      } finally {
        process.off('SIGINT', stop);
      }
    });

  audit
    .command('export')
    .description('export audit events as JSONL or CSV')
    .addOption(
      new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl', 'jsonl'),
    )
    .option('--since <time>', 'from this time: ISO 8601 (2026-01-31T12:00:00Z) or back from now (24h, 7d)')
    .option('--until <time>', 'before this time: ISO 8601 or back from now')
    .option('-o, --output <file>', 'write to this file (mode 0600) instead of stdout')
    .option('--no-progress', 'with --output: no progress line on stderr, even on a terminal')
    .addOption(dataDirOption())
    .addOption(configOption())
    .addOption(storeOption())
    .action(async (opts: ExportCliOptions) => {
      quietOnClosedPipe();
      setExit(await (await impl()).runAuditExport(opts));
    });

  audit
    .command('verify')
    .description('check every hash chain; exit 0 intact, 1 tampered (first bad row named), 2 error')
    .option('--json', 'print the full report as JSON')
    .option('--no-progress', 'no progress line on stderr, even on a terminal')
    .addOption(dataDirOption())
    .addOption(configOption())
    .addOption(storeOption())
    .action(async (opts: VerifyCliOptions) => {
      ignoreClosedPipe();
      setExit(await (await impl()).runAuditVerify(opts));
    });
}
