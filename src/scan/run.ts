/**
 * `airlock scan` as a function (the secretlint shape: run() → { exitCode, output }), so tests
 * and the CLI share one code path. Exit codes: 0 nothing at or above `failOn`, 1 findings at or
 * above it, 2 usage or input error (bad option, missing path, bad baseline; a baseline to write
 * that could not hold every finding).
 */
import { constants, open, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { SEVERITIES, type Severity } from '../detect/types.js';
import {
  BaselineError,
  buildBaseline,
  loadBaseline,
  newBaselineKey,
  writeBaseline,
  type BaselineEntry,
} from './baseline.js';
import { DEFAULT_ENGINE, loadEngine, type EngineSpec } from './engine.js';
import { terminalSafe } from './report/terminal-safe.js';
import { defaultRoots, discoverFiles, nameFromBaseline, realPathOf, type FoundFile } from './files.js';
import { DEFAULT_FINGERPRINT_KEY } from './mask.js';
import { ROOMY_HEAP_MB, scanInWorkers, workerHeapMb } from './pool.js';
import { Progress, type ProgressSink } from './progress.js';
import { DEFAULT_LIMITS, type ReadLimits } from './readers/read-file.js';
import { REPORT_FORMATS } from './formats.js';
import { renderReport, type ReportFormat } from './report/render.js';
import { prepareFile, scanInTurn, type FileResult } from './scan-file.js';
import type { ScanEngine, ScanFinding, ScanReport, ScanTotals, ScanWarning } from './types.js';
import { AIRLOCK_VERSION } from '../version.js';

export { REPORT_FORMATS };

export interface RunScanOptions {
  /** Files and folders; empty means the current user's transcript folders. */
  paths: string[];
  format?: ReportFormat;
  /** Write the report here instead of returning it as `output`. */
  output?: string;
  failOn?: Severity;
  baseline?: string;
  writeBaseline?: string;
  reveal?: boolean;
  /** Worker threads; 0 scans in this thread; undefined picks by input size. */
  workers?: number;
  /**
   * Whether this thread scans files too, beside the workers (default: when the worker count is
   * picked by input size and the input is under ROOMY_HEAP_BELOW_BYTES, with one worker fewer).
   */
  alongside?: boolean;
  /** Old-generation cap of each worker, MB; undefined picks by input size. */
  workerHeapMb?: number;
  cwd?: string;
  home?: string;
  color?: boolean;
  progress?: ProgressSink;
  engine?: EngineSpec;
  /** Policy file: custom rules, corporate domains and allowed values (default engine only). */
  policy?: string;
  limits?: Partial<ReadLimits>;
  /** Findings kept per file (more are counted). */
  maxFindingsPerFile?: number;
  /**
   * With `writeBaseline`: findings past `maxFindingsPerFile` a file may have and still all be
   * written to the baseline (more, and no baseline is written: exit 2).
   */
  maxBaselineEntriesPerFile?: number;
  version?: string;
}

export interface RunScanResult {
  exitCode: 0 | 1 | 2;
  report?: ScanReport;
  /** The rendered report when no `output` file was given. */
  output: string;
  /** Messages for stderr: usage errors, and a warning summary for machine formats. */
  errors: string;
}

/**
 * From this much input the scan runs in worker threads (one per core, at most one per file; under
 * ROOMY_HEAP_BELOW_BYTES one fewer, and this thread scans beside them), below it in this thread.
 * A second thread is a second V8 isolate, which warms up on its own: its code runs unoptimised
 * until TurboFan has compiled it again, on helper threads that then take the cores the scan
 * needs (warm, the scanning itself ran only 5-8% slower per byte two at once than alone). On 2
 * cores, six alternated rounds on a loaded machine: two threads took 1.3x the CPU of one on 52
 * MB (1.7-1.8 CPU-s against 1.3-1.5) and were no faster by wall (median 1.04x one's time), 1.27x
 * on 104 MB (wall 1.17x), 1.2x on 210 MB, where they were faster (0.91x). By CPU alone, on an
 * otherwise idle machine the second core pays for itself from about 70-100 MB (an estimate:
 * this machine was never idle while measured); up to 128 MiB one thread, which costs a fifth
 * to a quarter less CPU, keeps the inputs where the gain is at best small. One huge file goes to
 * a worker too, for its capped heap.
 */
const WORKERS_FROM_BYTES = 128 * 1024 * 1024;

/**
 * Below this much input the workers get V8's roomy heap (see ROOMY_HEAP_MB: about a quarter less
 * CPU per byte); from it, the bounded heap that keeps a scan of any size under ~300 MB.
 */
const ROOMY_HEAP_BELOW_BYTES = 256 * 1024 * 1024;

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Findings listed per file by default; more are counted in the totals and the exit code. */
const MAX_FINDINGS_PER_FILE = 10_000;

/**
 * With --write-baseline, findings past the per-file limit whose baseline entries are kept, per
 * file (about 150 bytes each while the scan runs): a file with more gets no baseline written,
 * rather than a baseline that would not accept all of its findings.
 */
const MAX_BASELINE_ENTRIES_PER_FILE = 100_000;

/** Files whose real paths are looked up at once (symlinks resolved, for baseline names). */
const REALPATH_AT_ONCE = 64;

/**
 * Writes a report that holds raw values (--reveal) readable by its owner only: created 0600, and
 * an existing file made 0600 before it is emptied and written (a mode given when opening applies
 * only to a file it creates).
 */
async function writePrivate(file: string, text: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT, 0o600);
  try {
    await handle.chmod(0o600);
    await handle.truncate(0);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

function bySeverityText(counts: Record<Severity, number>): string {
  return (['critical', 'high', 'medium', 'low'] as const).map((s) => `${s} ${counts[s]}`).join(', ');
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function usage(message: string): RunScanResult {
  return { exitCode: 2, output: '', errors: `airlock scan: ${message}\n` };
}

function compareFindings(a: ScanFinding, b: ScanFinding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  const pa = a.path.join('.');
  const pb = b.path.join('.');
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0;
}

function totalsOf(findings: ScanFinding[]): Pick<ScanTotals, 'bySeverity' | 'byCategory'> {
  const bySeverity: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  const byCategory: ScanTotals['byCategory'] = {};
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  }
  return { bySeverity, byCategory };
}

export async function runScan(opts: RunScanOptions): Promise<RunScanResult> {
  const startedAt = new Date();
  const cwd = opts.cwd ?? process.cwd();
  const format = opts.format ?? 'text';
  const failOn = opts.failOn ?? 'high';
  if (!REPORT_FORMATS.includes(format))
    return usage(`unknown format "${String(format)}" (use ${REPORT_FORMATS.join(', ')})`);
  if (!SEVERITIES.includes(failOn))
    return usage(`unknown severity "${String(failOn)}" for --fail-on (use ${SEVERITIES.join(', ')})`);
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 0))
    return usage(`--workers must be a whole number ≥ 0`);
  const limits: ReadLimits = { ...DEFAULT_LIMITS, ...opts.limits };

  let fingerprintKey = DEFAULT_FINGERPRINT_KEY;
  let accepted = new Set<string>();
  let baselineKey: string | undefined;
  if (opts.baseline) {
    try {
      const baseline = await loadBaseline(path.resolve(cwd, opts.baseline));
      fingerprintKey = baselineKey = baseline.key;
      accepted = new Set(baseline.findings.map((f) => f.fingerprint));
    } catch (err) {
      if (err instanceof BaselineError) return usage(err.message);
      throw err;
    }
  } else if (opts.writeBaseline) {
    fingerprintKey = baselineKey = newBaselineKey();
  }

  let engine: EngineSpec = opts.engine ?? DEFAULT_ENGINE;
  if (opts.policy !== undefined) {
    const policyFile = path.resolve(cwd, opts.policy);
    try {
      // Checked here once, so a bad policy is a usage error and not a failure in every worker.
      // Imported only when needed: the policy modules take about 90 ms to load.
      const { loadPolicy } = await import('../policy/load.js');
      loadPolicy(policyFile);
    } catch (err) {
      return usage((err as Error).message);
    }
    engine = { ...engine, options: { ...(isRecord(engine.options) ? engine.options : {}), policyFile } };
  }

  const explicit = opts.paths.length > 0;
  const roots = explicit ? opts.paths : defaultRoots(opts.home);
  const found = await discoverFiles(roots, cwd, { transcriptsOnly: !explicit, explicit });
  // A baseline names files relative to its own folder, not to where the scan runs: written at a
  // repository's root and used by CI from another folder (`airlock scan repo/ --baseline
  // repo/airlock-baseline.json`), its fingerprints still match.
  // Both sides with their symlinks resolved: a tree reached through a symlinked folder (or the
  // baseline through one) gives its files the same names as when reached directly.
  const baselineFile = opts.baseline ?? opts.writeBaseline;
  if (found.missing.length > 0) return usage(`no such file or folder: ${found.missing.join(', ')}`);
  if (baselineFile !== undefined) {
    const baselineDir = await realPathOf(path.dirname(path.resolve(cwd, baselineFile)));
    for (let i = 0; i < found.files.length; i += REALPATH_AT_ONCE)
      await Promise.all(
        found.files.slice(i, i + REALPATH_AT_ONCE).map(async (file) => {
          file.fingerprintName = nameFromBaseline(
            await realPathOf(path.resolve(cwd, file.path)),
            baselineDir,
          );
        }),
      );
  }

  const warnings: ScanWarning[] = [...found.warnings];
  // "No findings" alone would read as "your transcripts are clean" when there were none to read.
  if (!explicit && found.files.length === 0) {
    warnings.push({
      file: roots.join(', '),
      message: 'no assistant transcripts found in these folders; name the files or folders to scan',
    });
  }
  const results: { result: FileResult; file: FoundFile }[] = [];
  const totalBytes = found.files.reduce((n, f) => n + f.size, 0);
  const progress = new Progress(opts.progress, found.files.length, totalBytes);
  const maxFindings = opts.maxFindingsPerFile ?? MAX_FINDINGS_PER_FILE;
  const setup = {
    engine,
    fingerprintKey,
    reveal: opts.reveal === true,
    limits,
    maxFindings,
    // The baseline applies where the findings are made, before the per-file cap: accepted
    // findings do not use it up, and a new finding past thousands of accepted ones is listed.
    ...(accepted.size > 0 ? { acceptedFingerprints: [...accepted] } : {}),
    ...(opts.writeBaseline
      ? { maxBaselineEntries: opts.maxBaselineEntriesPerFile ?? MAX_BASELINE_ENTRIES_PER_FILE }
      : {}),
  };
  const acceptedHere = accepted.size > 0 ? { accepted } : {};
  // Below ROOMY_HEAP_BELOW_BYTES this thread scans too, beside one worker fewer than the cores:
  // its heap is not capped, which a small input never needs. On 2 cores, this thread and one
  // worker against two workers (this thread idle): 210 MB in 100 files for ~15% less CPU.
  const roomy = totalBytes < ROOMY_HEAP_BELOW_BYTES;
  const alongside = opts.alongside ?? (opts.workers === undefined && roomy);
  const workers =
    opts.workers ?? (totalBytes >= WORKERS_FROM_BYTES ? availableParallelism() - (alongside ? 1 : 0) : 0);
  const onFile = (result: FileResult, file: FoundFile): void => {
    results.push({ result, file });
    progress.fileDone(result.summary.findings);
  };
  try {
    if (workers > 0 && found.files.length > 0) {
      // The machine's values are learned once, here, while the workers start; they make their engines from them.
      let built: ScanEngine | undefined;
      const onBytes = (n: number): void => progress.addBytes(n);
      await scanInWorkers(
        found.files,
        workers,
        setup,
        { onBytes, onFile },
        {
          engineOptions: async () => {
            built = await loadEngine(setup.engine);
            return built.forWorkers ? built.forWorkers() : setup.engine.options;
          },
          heapMb: opts.workerHeapMb ?? (roomy ? ROOMY_HEAP_MB : workerHeapMb(setup)),
          ...(alongside
            ? {
                local: (file: FoundFile) =>
                  prepareFile(
                    file.path,
                    file.display,
                    { ...setup, ...acceptedHere, engine: built!, onBytes },
                    file.fingerprintName,
                  ),
              }
            : {}),
        },
      );
    } else if (found.files.length > 0) {
      const engine = await loadEngine(setup.engine);
      const fileOpts = { ...setup, ...acceptedHere, engine, onBytes: (n: number) => progress.addBytes(n) };
      await scanInTurn(
        found.files.values(),
        (file) => prepareFile(file.path, file.display, fileOpts, file.fingerprintName),
        onFile,
      );
    }
  } finally {
    progress.finish();
  }

  results.sort((a, b) => (a.file.display < b.file.display ? -1 : a.file.display > b.file.display ? 1 : 0));
  const all: ScanFinding[] = [];
  // With --write-baseline: the entries of the findings not listed (accepted, or past the cap).
  const unlistedEntries: BaselineEntry[] = [];
  const overBaselineLimit: string[] = [];
  let baselined = 0;
  let unlisted = 0;
  const unlistedBySeverity: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  const unlistedByCategory: ScanTotals['byCategory'] = {};
  let linesSkipped = 0;
  let linesAsText = 0;
  // Files discovery set aside (not regular files, loops) count with those found unreadable.
  let filesSkipped = found.skipped;
  let records = 0;
  let bytes = 0;
  let truncated = false;
  for (const { result } of results) {
    warnings.push(...result.warnings);
    linesSkipped += result.linesSkipped;
    linesAsText += result.linesAsText;
    if (result.skipped) filesSkipped += 1;
    records += result.summary.records;
    bytes += result.summary.bytes;
    baselined += result.baselined ?? 0;
    for (const entry of result.baselineEntries ?? []) unlistedEntries.push(entry);
    if (result.baselineIncomplete) overBaselineLimit.push(result.summary.file);
    if (result.dropped > 0) {
      truncated = true;
      unlisted += result.dropped;
      const severities = result.droppedBySeverity ?? { low: 0, medium: 0, high: 0, critical: 0 };
      for (const s of SEVERITIES) unlistedBySeverity[s] += severities[s];
      for (const [c, n] of Object.entries(result.droppedByCategory ?? {}) as [
        keyof ScanTotals['byCategory'],
        number,
      ][])
        unlistedByCategory[c] = (unlistedByCategory[c] ?? 0) + n;
      warnings.push({
        file: result.summary.file,
        message:
          `${result.dropped}${result.droppedRoughly ? ' or fewer' : ''} more findings not listed (over the ` +
          `per-file limit of ${maxFindings}): ${bySeverityText(severities)}; they count in the totals and the exit code`,
      });
    }
    all.push(...result.findings);
  }
  all.sort(compareFindings);
  // Accepted findings were left out as they were found (see scan-file.ts); none is here.
  const findings = all;
  const listed = totalsOf(findings);
  for (const s of SEVERITIES) listed.bySeverity[s] += unlistedBySeverity[s];
  for (const [c, n] of Object.entries(unlistedByCategory) as [keyof ScanTotals['byCategory'], number][])
    listed.byCategory[c] = (listed.byCategory[c] ?? 0) + n;
  const report: ScanReport = {
    tool: { name: 'airlock', version: opts.version ?? AIRLOCK_VERSION },
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    roots,
    failOn,
    findings,
    warnings,
    files: results.map((r) => r.result.summary),
    totals: {
      // Those set aside before reading (FIFOs, symlink loops) too, as `filesSkipped` counts them.
      files: results.length + found.skipped,
      filesSkipped,
      linesSkipped,
      linesAsText,
      bytes,
      records,
      findings: findings.length + unlisted,
      baselined,
      ...listed,
      unlisted,
      unlistedBySeverity,
    },
    truncated,
  };

  let errors = '';
  let baselineRefused = false;
  if (opts.writeBaseline) {
    if (overBaselineLimit.length > 0) {
      // A baseline without some of the findings would fail the next scan on findings it was
      // meant to accept: none is written.
      baselineRefused = true;
      errors += `airlock scan: baseline not written: ${terminalSafe(overBaselineLimit.join(', '))} ${
        overBaselineLimit.length === 1 ? 'has' : 'have'
      } more than ${setup.maxBaselineEntries} findings over the per-file limit of ${maxFindings}, too many to write to a baseline\n`;
    } else {
      await writeBaseline(
        path.resolve(cwd, opts.writeBaseline),
        buildBaseline(baselineKey ?? newBaselineKey(), [...all, ...unlistedEntries]),
      );
    }
  }
  const rendered = renderReport(report, format, { color: opts.color === true, reveal: opts.reveal === true });
  let output = rendered;
  if (opts.output) {
    if (opts.reveal === true) await writePrivate(opts.output, rendered);
    else await writeFile(opts.output, rendered);
    output = '';
  }
  if (format !== 'text' || opts.output) {
    for (const w of warnings.slice(0, 20))
      errors += `airlock scan: warning: ${terminalSafe(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`)}\n`;
    if (warnings.length > 20) errors += `airlock scan: ${warnings.length - 20} more warnings in the report\n`;
  }
  // Listed or not: a finding past the per-file limit fails the scan as a listed one does.
  const failing = SEVERITIES.some((s) => rank(s) >= rank(failOn) && report.totals.bySeverity[s] > 0);
  return { exitCode: baselineRefused ? 2 : failing ? 1 : 0, report, output, errors };
}
