/**
 * The scanner's own data: what a reader yields (one text of one record, located in its file),
 * what a finding in a file looks like, and what one scan reports. Detection itself is the
 * engine's (src/detect/types.ts); the scanner only locates, masks, fingerprints and reports.
 */
import type { Category, Finding, ScanInput, Severity, ValueKind } from '../detect/types.js';
import type { JsonPath, Role } from '../dialects/types.js';
import type { ValueLines } from './readers/value-lines.js';

/** Who wrote the file: drives the "by assistant" chart and the role mapping. */
export type Assistant = 'claude-code' | 'codex' | 'gemini-cli' | 'qwen-code' | 'airlock' | 'other';

/** What a file was recognised as, by its content. */
export type InputFormat =
  | 'claude-code'
  | 'codex'
  /** Codex CLI's SQLite databases (thread history, thread titles, memories): readers/sqlite.ts. */
  | 'codex-sqlite'
  | 'gemini-cli'
  | 'qwen-code'
  | 'har'
  | 'airlock-audit'
  | 'json'
  | 'jsonl'
  | 'text';

/** One text to scan, with where it came from. `path` is inside the line's (or entry's) record. */
export interface LocatedInput extends ScanInput {
  line: number;
  /** For a record over several lines: the line of each of its values (then `line` is its first). */
  lines?: ValueLines;
  assistant: Assistant;
  /** ISO time of the record, when the format carries one. */
  timestamp?: string;
}

export interface ScanFinding {
  file: string;
  line: number;
  path: JsonPath;
  role: Role;
  ruleId: string;
  category: Category;
  severity: Severity;
  kind: ValueKind;
  assistant: Assistant;
  format: InputFormat;
  timestamp?: string;
  /** Masked value, safe to print and store. */
  preview: string;
  /** The raw value: only with `--reveal`, for local forensics. */
  value?: string;
  /** rule + file + keyed hash of the value: stable when lines move (baseline key). */
  fingerprint: string;
  /** How many times the same value was found at the same place in this file (repeated records). */
  occurrences: number;
}

export interface ScanWarning {
  file: string;
  line?: number;
  message: string;
}

export interface FileSummary {
  file: string;
  format: InputFormat | 'skipped';
  bytes: number;
  records: number;
  /** As in the totals: listed or over the per-file limit, not those the baseline accepted. */
  findings: number;
}

export interface ScanTotals {
  /** Every file found, those skipped included (`filesSkipped` of them). */
  files: number;
  /**
   * Files found and not read: unreadable or binary, not regular files (FIFOs, sockets,
   * devices), symlink loops, and folders that could not be listed (one each).
   */
  filesSkipped: number;
  /** Lines or HAR entries not read (over the line cap, unparseable entries, a read cut short). */
  linesSkipped: number;
  /**
   * Lines (or whole JSON documents) that were not valid JSON and were scanned as plain text:
   * read in full, so not among `linesSkipped`.
   */
  linesAsText: number;
  bytes: number;
  records: number;
  /**
   * Findings not accepted by the baseline: those listed in the report's `findings` and those not
   * listed because their file had more than the per-file limit (`unlisted`).
   */
  findings: number;
  /** Findings accepted by the baseline (not in `findings`). */
  baselined: number;
  /** Of all `findings` (listed or not). */
  bySeverity: Record<Severity, number>;
  byCategory: Partial<Record<Category, number>>;
  /** Findings counted in `findings` but not listed: over the per-file limit (see warnings). */
  unlisted?: number;
  unlistedBySeverity?: Record<Severity, number>;
}

export interface ScanReport {
  tool: { name: 'airlock'; version: string };
  startedAt: string;
  durationMs: number;
  roots: string[];
  failOn: Severity;
  findings: ScanFinding[];
  warnings: ScanWarning[];
  files: FileSummary[];
  totals: ScanTotals;
  /**
   * True when a file had more findings than the per-file limit lists: those are counted in the
   * totals (and the exit code), not listed (`totals.unlisted`).
   */
  truncated: boolean;
}

/** The part of the engine the scanner needs; src/detect's engine satisfies it. */
export interface ScanEngine {
  scan(inputs: ScanInput[]): Finding[];
  /**
   * Options for the engine module's createEngine in a worker thread that give this same engine
   * without repeating what was costly to find (e.g. the machine's learned values); without it,
   * workers get the options this engine was made with.
   */
  forWorkers?(): unknown;
  /**
   * Prefilter keywords of the engine's rules beside the built-in ones (a policy's custom rules):
   * a JSON member whose name holds one is scanned beside its value (`"acme_token": "…"`), as
   * for the built-in rules' keywords (src/scan/readers/key-context.ts).
   */
  contextKeywords?(): readonly string[];
}
