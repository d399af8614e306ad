/**
 * `airlock scan [paths...]`: its options and help, registered without loading the scanner
 * (src/cli/commands/scan.ts runs it). Exit codes (documented in docs/scan.md): 0 nothing at or
 * above --fail-on, 1 findings at or above it, 2 usage or input error. Colour and the progress
 * bar appear only on a terminal (and never with NO_COLOR).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../../detect/types.js';
import { CODEX_DATABASES_HELP, TRANSCRIPT_FOLDERS } from '../../scan/files.js';
import { REPORT_FORMATS, type ReportFormat } from '../../scan/formats.js';

export interface ScanFlags {
  format: ReportFormat;
  output?: string;
  failOn: Severity;
  baseline?: string;
  writeBaseline?: string;
  reveal?: boolean;
  policy?: string;
  workers?: number;
  progress: boolean;
  color?: boolean;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a whole number ≥ 0 (0 scans in the main thread)');
  return n;
}

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description(
      'scan assistant transcripts (Claude Code, Codex, Gemini CLI, Qwen Code), HAR captures, audit exports, ' +
        'JSON request bodies and text for secrets and environment fingerprints; with no path, the ' +
        `current user's transcript folders (${TRANSCRIPT_FOLDERS.map((f) => `~/${f}`).join(', ')}) and ` +
        `Codex CLI's SQLite history (${CODEX_DATABASES_HELP})`,
    )
    .argument(
      '[paths...]',
      "files or folders to scan (gzip files are read too, and Codex CLI's SQLite databases)",
    )
    .addOption(
      new Option('-f, --format <format>', 'report format')
        .choices([...REPORT_FORMATS])
        .default('text', 'text'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices([...SEVERITIES])
        .default('high', 'high'),
    )
    .option('--baseline <file>', 'accept the findings listed in this baseline file')
    .option('--write-baseline <file>', 'write every finding of this scan to a baseline file')
    .option('--policy <file>', 'policy file: its custom rules, corporate domains and allowed values apply')
    .option('--reveal', 'show raw values instead of masked previews (local forensics only)')
    .option('--workers <n>', 'worker threads (default: every core for large inputs)', parseWorkers)
    .option('--no-progress', 'no progress bar, even on a terminal')
    .option('--no-color', 'no colour, even on a terminal')
    .action(async (paths: string[], flags: ScanFlags) => {
      const { scanAction } = await import('../commands/scan.js');
      await scanAction(paths, flags);
    });
}
