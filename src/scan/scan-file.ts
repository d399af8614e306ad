/**
 * Scans one file: reads it in batches, runs the engine on each batch, and turns the engine's
 * spans into located, masked, fingerprinted findings. The same value found again at the same
 * role in the same file (transcripts re-append records) counts as one finding with
 * `occurrences` > 1. Reading problems are warnings; the file's partial results are kept.
 *
 * A baseline applies here, before the per-file cap: an accepted finding is counted, not kept,
 * and does not use up the cap. Past the cap, findings are counted by severity and category
 * (what the totals and the exit code need), not kept; with --write-baseline their baseline
 * entries are kept too, so that the baseline accepts them all.
 */
import { BoundedMemo } from '../bounded-memo.js';
import { maskValue } from '../detect/mask.js';
import type { Category, Severity } from '../detect/types.js';
import type { BaselineEntry } from './baseline.js';
import type { FoundFile } from './files.js';
import { keyContextFor } from './readers/key-context.js';
import { openFile, type OpenedFile, type ReadLimits } from './readers/read-file.js';
import { fingerprint, revealValue } from './mask.js';
import type { FileSummary, ScanEngine, ScanFinding, ScanWarning } from './types.js';

export interface FileScanOptions {
  engine: ScanEngine;
  fingerprintKey: string;
  reveal: boolean;
  limits: ReadLimits;
  /** Findings kept per file; more are counted, not kept. */
  maxFindings: number;
  /**
   * Fingerprints a baseline accepts: such findings are counted (`baselined`), not kept, and do
   * not use up `maxFindings`.
   */
  accepted?: ReadonlySet<string>;
  /**
   * Set when a baseline is written: the findings not kept (accepted, or past `maxFindings`) give
   * their baseline entries in `baselineEntries`, at most this many of those past the cap.
   */
  maxBaselineEntries?: number;
  onBytes?: (n: number) => void;
}

export interface FileResult {
  summary: FileSummary;
  findings: ScanFinding[];
  warnings: ScanWarning[];
  linesSkipped: number;
  /** Lines (or whole documents) not valid JSON, scanned as plain text: read, not skipped. */
  linesAsText: number;
  skipped: boolean;
  /** Findings beyond `maxFindings`, counted but not kept (accepted ones are not among them). */
  dropped: number;
  /** The findings counted in `dropped`, by severity and by category. */
  droppedBySeverity?: Record<Severity, number>;
  droppedByCategory?: Partial<Record<Category, number>>;
  /**
   * Set when so many distinct findings were past the cap that a value found again may have been
   * counted again (the counts are then at most that much too high, never too low).
   */
  droppedRoughly?: boolean;
  /** Findings the baseline accepted: neither kept nor in `dropped`. */
  baselined?: number;
  /** With `maxBaselineEntries`: the baseline entries of the findings not kept. */
  baselineEntries?: BaselineEntry[];
  /** More than `maxBaselineEntries` findings were past the cap: a baseline would miss some. */
  baselineIncomplete?: boolean;
}

/** Distinct (rule, value) hashes remembered per file. */
const FINGERPRINT_MEMO = 4096;

/**
 * Findings past the cap told apart per file: one finding object each would be what the cap is
 * there to prevent, so each is remembered as a number in a typed array, 16 to 32 bytes off the
 * JS heap (32 MB for this many at most). Past them a finding is counted without telling whether
 * it was counted before.
 */
const DROPPED_KEYS = 2 * 1024 * 1024;

/**
 * A set of whole numbers 1..2^53 in an open-addressed table, half full at most, that stops
 * growing at `max` keys. The keys come from keyed hashes: their bits above the lowest eight are
 * uniform and place them in the table.
 */
class KeySet {
  private table = new Float64Array(1024);
  private size = 0;
  constructor(private readonly max: number) {}

  /**
   * Adds `key`: true when it was not there, false when it was, undefined when it was not and the
   * set is full.
   */
  add(key: number): boolean | undefined {
    if (this.size * 2 >= this.table.length && this.size < this.max) this.grow();
    const t = this.table;
    const mask = t.length - 1;
    for (let i = Math.floor(key / 256) & mask; ; i = (i + 1) & mask) {
      const k = t[i]!;
      if (k === key) return false;
      if (k === 0) {
        // Full: half the table stays empty, so a key not in it is always found missing.
        if (this.size * 2 >= t.length) return undefined;
        t[i] = key;
        this.size += 1;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.size = 0;
    for (const k of old) if (k !== 0) this.add(k);
  }
}

/** 44 bits of the fingerprint and 8 of the role: never 0, below 2^53. */
function droppedKey(fp: string, role: number): number {
  return parseInt(fp.slice(0, 11), 16) * 256 + (role & 0xff) + 1;
}

function errorText(err: unknown): string {
  const e = (err ?? {}) as NodeJS.ErrnoException;
  const message = String(e.message ?? err);
  // Node's system errors already start with their code ("EACCES: permission denied, open …");
  // zlib's do not ("unexpected end of file", code Z_BUF_ERROR).
  return e.code && !message.startsWith(`${e.code}:`) ? `${e.code}: ${message}` : message;
}

/**
 * Starts opening a file (open, first chunk read, format sniffed) and returns the function that
 * scans it. A caller scanning files one after another prepares the next file before it scans
 * the current one, so that its opening is not waited for: on 210 MB in 100 files one thread
 * waited ~150 ms in all (6% of the scan) for files to open.
 */
export function prepareFile(
  file: string,
  displayName: string,
  opts: FileScanOptions,
  fingerprintName = displayName,
): () => Promise<FileResult> {
  const result: FileResult = {
    summary: { file: displayName, format: 'skipped', bytes: 0, records: 0, findings: 0 },
    findings: [],
    warnings: [],
    linesSkipped: 0,
    linesAsText: 0,
    skipped: false,
    dropped: 0,
  };
  const onBytes = (n: number): void => {
    result.summary.bytes += n;
    opts.onBytes?.(n);
  };
  const keys = keyContextFor(opts.engine.contextKeywords?.());
  const opening = openFile(file, displayName, opts.limits, keys, onBytes);
  // Handled when the file is scanned; until then its failure is not an unhandled rejection.
  opening.catch(() => undefined);
  return () => scanOpening(result, opening, displayName, fingerprintName, opts);
}

/**
 * Scans files one after another, each taken from `files` (pulled one at a time, so it may be a
 * queue other threads take from too) and started (`prepare`, e.g. prepareFile) while the one
 * before it is scanned.
 */
export async function scanInTurn(
  files: Iterator<FoundFile>,
  prepare: (file: FoundFile) => () => Promise<FileResult>,
  onFile: (result: FileResult, file: FoundFile) => void,
): Promise<void> {
  let next = files.next();
  let scan = next.done ? undefined : prepare(next.value);
  while (!next.done && scan) {
    const file = next.value;
    const current = scan;
    next = files.next();
    scan = next.done ? undefined : prepare(next.value);
    onFile(await current(), file);
  }
}

async function scanOpening(
  result: FileResult,
  opening: Promise<OpenedFile>,
  displayName: string,
  fingerprintName: string,
  opts: FileScanOptions,
): Promise<FileResult> {
  let opened;
  try {
    opened = await opening;
  } catch (err) {
    result.skipped = true;
    result.warnings.push({ file: displayName, message: `unreadable, skipped (${errorText(err)})` });
    return result;
  }
  if (!opened.ok) {
    result.skipped = true;
    result.warnings.push({ file: displayName, message: `${opened.reason}, skipped` });
    return result;
  }
  let format = opened.format;
  result.summary.format = format;
  const seen = new Map<string, ScanFinding>();
  // Accepted findings told apart: no more of them than the baseline's fingerprints (by role).
  const acceptedSeen = new Set<string>();
  const dropped = new KeySet(DROPPED_KEYS);
  const roles = new Map<string, number>();
  let entries: BaselineEntry[] | undefined;
  if (opts.maxBaselineEntries !== undefined) result.baselineEntries = entries = [];
  let entriesPastCap = 0;
  // The same value comes back all through a file (a home path, a user name, a header in every
  // HAR entry): its keyed hash is computed once per rule and value, not once per occurrence.
  const fingerprints = new BoundedMemo<string, string>(FINGERPRINT_MEMO);
  try {
    for await (const batch of opened.batches) {
      result.warnings.push(...batch.warnings);
      result.linesSkipped += batch.linesSkipped;
      result.linesAsText += batch.linesAsText;
      result.summary.records += batch.records;
      if (batch.format !== undefined) result.summary.format = format = batch.format;
      if (batch.inputs.length === 0) continue;
      // A LocatedInput is a ScanInput with more fields: handed over as is, no copy per input.
      const found = opts.engine.scan(batch.inputs);
      for (const f of found) {
        const input = batch.inputs[f.input];
        if (!input) continue;
        const value = input.text.slice(f.start, f.end);
        const memoKey = `${f.ruleId}\0${value}`;
        let fp = fingerprints.get(memoKey);
        if (fp === undefined) {
          fp = fingerprint(opts.fingerprintKey, f.ruleId, fingerprintName, value);
          fingerprints.set(memoKey, fp);
        }
        const dedupeKey = `${fp}\0${f.role}`;
        const previous = seen.get(dedupeKey);
        if (previous) {
          previous.occurrences += 1;
          continue;
        }
        if (opts.accepted?.has(fp)) {
          if (acceptedSeen.has(dedupeKey)) continue;
          acceptedSeen.add(dedupeKey);
          result.baselined = (result.baselined ?? 0) + 1;
          entries?.push(entryOf(f.ruleId, fp, value, f.category));
          continue;
        }
        if (result.findings.length >= opts.maxFindings) {
          let role = roles.get(f.role);
          if (role === undefined) roles.set(f.role, (role = roles.size));
          const added = dropped.add(droppedKey(fp, role));
          if (added === false) continue;
          if (added === undefined) result.droppedRoughly = true;
          result.summary.findings += 1;
          result.dropped += 1;
          const bySeverity = (result.droppedBySeverity ??= { low: 0, medium: 0, high: 0, critical: 0 });
          bySeverity[f.severity] += 1;
          const byCategory = (result.droppedByCategory ??= {});
          byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
          if (entries) {
            if (entriesPastCap < opts.maxBaselineEntries!) {
              entriesPastCap += 1;
              entries.push(entryOf(f.ruleId, fp, value, f.category));
            } else {
              result.baselineIncomplete = true;
            }
          }
          continue;
        }
        result.summary.findings += 1;
        const finding: ScanFinding = {
          file: displayName,
          line: input.lines ? input.lines.lineOf(input.path) : input.line,
          path: f.path,
          role: f.role,
          ruleId: f.ruleId,
          category: f.category,
          severity: f.severity,
          kind: f.kind,
          assistant: input.assistant,
          format,
          preview: maskValue(value, f.category === 'secret'),
          fingerprint: fp,
          occurrences: 1,
        };
        if (input.timestamp !== undefined) finding.timestamp = input.timestamp;
        if (opts.reveal) finding.value = revealValue(value);
        seen.set(dedupeKey, finding);
        result.findings.push(finding);
      }
    }
  } catch (err) {
    // A read error mid-file (truncated gzip, I/O error): keep what was found before it.
    result.warnings.push({
      file: displayName,
      message: `reading stopped early (${errorText(err)}); findings before this point are kept`,
    });
    result.linesSkipped += 1;
  }
  return result;

  function entryOf(ruleId: string, fp: string, value: string, category: Category): BaselineEntry {
    return { fingerprint: fp, ruleId, file: displayName, preview: maskValue(value, category === 'secret') };
  }
}
