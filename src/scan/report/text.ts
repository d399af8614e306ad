/**
 * The terminal report: findings grouped by file, then category, one line each (severity,
 * line, JSON path, role, rule, masked preview), then warnings and totals. Colour only when
 * asked (the CLI asks when stdout is a TTY and NO_COLOR is unset).
 */
import type { Category, Severity } from '../../detect/types.js';
import { formatBytes } from '../progress.js';
import type { ScanFinding, ScanReport } from '../types.js';
import { terminalSafe } from './terminal-safe.js';

const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: '\x1b[1;35m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
};
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '-';
  return terminalSafe(
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join(''),
  );
}

/** "1 file", "2 files": a count with its noun in the right number. */
function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function renderText(report: ScanReport, opts: { color: boolean }): string {
  const c = (code: string, text: string): string => (opts.color ? `${code}${text}${RESET}` : text);
  const out: string[] = [];
  const t = report.totals;
  out.push(
    c(
      BOLD,
      `airlock scan: ${count(t.files, 'file')}, ${formatBytes(t.bytes)}, ${count(t.records, 'record')} in ${(report.durationMs / 1000).toFixed(1)} s`,
    ),
  );
  out.push('');
  const formats = new Map(report.files.map((f) => [f.file, f.format]));
  for (const [file, findings] of groupBy(report.findings, (f) => f.file)) {
    out.push(
      c(BOLD, terminalSafe(file)) +
        c(DIM, `  (${formats.get(file) ?? '?'}, ${count(findings.length, 'finding')})`),
    );
    for (const [category, list] of groupBy(findings, (f: ScanFinding): Category => f.category)) {
      out.push(`  ${category}`);
      for (const f of list) {
        const sev = c(SEVERITY_COLOURS[f.severity], f.severity.toUpperCase().padEnd(8));
        const shown = terminalSafe(f.value !== undefined ? f.value : f.preview);
        const times = f.occurrences > 1 ? c(DIM, ` ×${f.occurrences}`) : '';
        out.push(
          `    ${sev} ${String(f.line).padStart(6)}  ${formatPath(f.path)}  ${c(DIM, f.role)}  ${f.ruleId}  ${shown}${times}`,
        );
      }
    }
    out.push('');
  }
  if (report.findings.length === 0) out.push('No findings.', '');
  if (report.warnings.length > 0) {
    out.push(c(BOLD, `Warnings (${report.warnings.length}):`));
    for (const w of report.warnings)
      out.push(`  ${terminalSafe(`${w.file}${w.line !== undefined ? `:${w.line}` : ''}: ${w.message}`)}`);
    out.push('');
  }
  const sev = (['critical', 'high', 'medium', 'low'] as const)
    .map((s) => `${s} ${t.bySeverity[s]}`)
    .join(', ');
  const cats = Object.entries(t.byCategory)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    c(BOLD, `Totals: ${count(t.findings, 'finding')}`) + ` (${sev})${cats ? `; by category: ${cats}` : ''}`,
  );
  const skipped: string[] = [];
  if (t.filesSkipped > 0) skipped.push(count(t.filesSkipped, 'file'));
  if (t.linesSkipped > 0) skipped.push(count(t.linesSkipped, 'line or entry', 'lines or entries'));
  if (skipped.length > 0) out.push(`Skipped: ${skipped.join(', ')} (see warnings)`);
  // Read in full, only not as JSON: not skipped, and said apart so that no one looks for a gap.
  if (t.linesAsText > 0)
    out.push(
      `Scanned as plain text (not valid JSON): ${count(t.linesAsText, 'line or document', 'lines or documents')} (see warnings)`,
    );
  if (t.baselined > 0) out.push(`Accepted by the baseline: ${t.baselined}`);
  if (report.truncated) {
    // Counted in the totals above and in the exit code; only their lines are missing.
    const by = t.unlistedBySeverity;
    const counts = by
      ? ` (${(['critical', 'high', 'medium', 'low'] as const).map((s) => `${s} ${by[s]}`).join(', ')})`
      : '';
    out.push(
      t.unlisted !== undefined
        ? `Not listed: ${count(t.unlisted, 'finding')}${counts} over the per-file limit, counted in the totals and the exit code (see warnings).`
        : 'Some findings were not listed (over the per-file limit; see warnings).',
    );
  }
  // From the totals: findings not listed (over the per-file limit) fail the scan too.
  const order = ['low', 'medium', 'high', 'critical'] as const;
  const failing = order
    .filter((s) => order.indexOf(s) >= order.indexOf(report.failOn))
    .reduce((n, s) => n + t.bySeverity[s], 0);
  out.push(`Fail on ${report.failOn}: ${count(failing, 'finding')} at or above`);
  return `${out.join('\n')}\n`;
}
