/**
 * `airlock scan` as a function (the secretlint shape: run() → { exitCode, output }), so tests
 * and the CLI share one code path. Exit codes: 0 nothing at or above `failOn`, 1 findings at or
 * above it, 2 usage or input error (bad option, missing path, bad baseline).
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { SEVERITIES, type Severity } from '../detect/types.js';
import { BaselineError, buildBaseline, loadBaseline, newBaselineKey, writeBaseline } from './baseline.js';
import { DEFAULT_ENGINE, loadEngine, type EngineSpec } from './engine.js';
import { terminalSafe } from './report/terminal-safe.js';
import { defaultRoots, discoverFiles, nameFromBaseline, type FoundFile } from './files.js';
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
 * A worker costs little to start (it loads its modules while this thread learns the machine's
 * values, then makes its own engine from them: its automaton's states are made as it scans), so
 * only inputs that scan in a fraction of a second stay here. One huge file goes to a worker too, for its capped heap.
 */
const WORKERS_FROM_BYTES = 32 * 1024 * 1024;

/**
 * Below this much input the workers get V8's roomy heap (see ROOMY_HEAP_MB: about a quarter less
 * CPU per byte); from it, the bounded heap that keeps a scan of any size under ~300 MB.
 */
const ROOMY_HEAP_BELOW_BYTES = 256 * 1024 * 1024;

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

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
  const baselineFile = opts.baseline ?? opts.writeBaseline;
  if (baselineFile !== undefined) {
    const baselineDir = path.dirname(path.resolve(cwd, baselineFile));
    for (const file of found.files)
      file.fingerprintName = nameFromBaseline(path.resolve(cwd, file.path), baselineDir);
  }
  if (found.missing.length > 0) return usage(`no such file or folder: ${found.missing.join(', ')}`);

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
  const setup = {
    engine,
    fingerprintKey,
    reveal: opts.reveal === true,
    limits,
    maxFindings: opts.maxFindingsPerFile ?? 10_000,
  };
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
                    { ...setup, engine: built!, onBytes },
                    file.fingerprintName,
                  ),
              }
            : {}),
        },
      );
    } else if (found.files.length > 0) {
      const engine = await loadEngine(setup.engine);
      const fileOpts = { ...setup, engine, onBytes: (n: number) => progress.addBytes(n) };
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
  let linesSkipped = 0;
  // Files discovery set aside (not regular files, loops) count with those found unreadable.
  let filesSkipped = found.skipped;
  let records = 0;
  let bytes = 0;
  let truncated = false;
  for (const { result } of results) {
    warnings.push(...result.warnings);
    linesSkipped += result.linesSkipped;
    if (result.skipped) filesSkipped += 1;
    records += result.summary.records;
    bytes += result.summary.bytes;
    if (result.dropped > 0) {
      truncated = true;
      warnings.push({
        file: result.summary.file,
        message: `${result.dropped} more findings not listed (over the per-file limit)`,
      });
    }
    all.push(...result.findings);
  }
  all.sort(compareFindings);
  const findings = all.filter((f) => !accepted.has(f.fingerprint));
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
      files: results.length,
      filesSkipped,
      linesSkipped,
      bytes,
      records,
      findings: findings.length,
      baselined: all.length - findings.length,
      ...totalsOf(findings),
    },
    truncated,
  };

  if (opts.writeBaseline)
    await writeBaseline(
      path.resolve(cwd, opts.writeBaseline),
      buildBaseline(baselineKey ?? newBaselineKey(), all),
    );
  const rendered = renderReport(report, format, { color: opts.color === true, reveal: opts.reveal === true });
  let output = rendered;
  if (opts.output) {
    await writeFile(opts.output, rendered);
    output = '';
  }
  let errors = '';
  if (format !== 'text' || opts.output) {
    for (const w of warnings.slice(0, 20))
      errors += `airlock scan: warning: ${terminalSafe(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`)}\n`;
    if (warnings.length > 20) errors += `airlock scan: ${warnings.length - 20} more warnings in the report\n`;
  }
  const failing = findings.some((f) => rank(f.severity) >= rank(failOn));
  return { exitCode: failing ? 1 : 0, report, output, errors };
}
