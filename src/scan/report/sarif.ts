/**
 * SARIF 2.1.0 (OASIS), shaped for GitHub code scanning: one run, a rule per rule id with a
 * `security-severity` (GitHub's 0–10 scale drives its critical/high/medium/low), results at
 * file and line with the JSON path as a logical location, and `partialFingerprints` from the
 * keyed value hash so alerts survive edits above them. Warnings become tool notifications.
 */
import type { Severity } from '../../detect/types.js';
import type { ScanFinding, ScanReport } from '../types.js';
import { formatPath } from './text.js';

const LEVELS: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};
/** GitHub maps > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, < 4.0 low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
};

/** A relative path as a URI reference (forward slashes, percent-encoded); absolute as file://. */
export function artifactUri(file: string): string {
  const slashed = file.replace(/\\/g, '/');
  const encoded = slashed.split('/').map(encodeURIComponent).join('/');
  if (slashed.startsWith('/')) return `file://${encoded}`;
  if (/^[A-Za-z]:\//.test(slashed))
    return `file:///${slashed.slice(0, 2)}/${slashed.slice(3).split('/').map(encodeURIComponent).join('/')}`;
  return encoded;
}

function message(f: ScanFinding): string {
  const shown = f.value !== undefined ? f.value : f.preview;
  return `${f.category} (${f.kind}) found by ${f.ruleId} in ${f.role} text at ${formatPath(f.path)}: ${shown}`;
}

export function renderSarif(report: ScanReport): Record<string, unknown> {
  const ruleIds = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const firstOf = new Map<string, ScanFinding>();
  for (const f of report.findings) if (!firstOf.has(f.ruleId)) firstOf.set(f.ruleId, f);
  const rules = ruleIds.map((id) => {
    const f = firstOf.get(id)!;
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
      shortDescription: { text: `${f.category}: ${f.kind}` },
      fullDescription: {
        text: `Airlock detection rule ${id}: a ${f.kind} value (${f.category}) in assistant traffic or transcripts.`,
      },
      defaultConfiguration: { level: LEVELS[f.severity] },
      properties: {
        category: f.category,
        tags: ['security', f.category],
        'security-severity': SECURITY_SEVERITY[f.severity],
      },
    };
  });
  const results = report.findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: ruleIndex.get(f.ruleId)!,
    level: LEVELS[f.severity],
    message: { text: message(f) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(f.file) },
          region: { startLine: Math.max(1, f.line) },
        },
        logicalLocations: [{ fullyQualifiedName: formatPath(f.path), kind: 'member' }],
      },
    ],
    partialFingerprints: { 'airlockValueHash/v1': f.fingerprint },
    properties: {
      severity: f.severity,
      category: f.category,
      kind: f.kind,
      role: f.role,
      assistant: f.assistant,
      format: f.format,
      occurrences: f.occurrences,
      ...(f.timestamp !== undefined ? { timestamp: f.timestamp } : {}),
    },
  }));
  const notifications = report.warnings.map((w) => ({
    level: 'warning',
    message: { text: w.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(w.file) },
          ...(w.line !== undefined ? { region: { startLine: Math.max(1, w.line) } } : {}),
        },
      },
    ],
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'airlock',
            version: report.tool.version,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            endTimeUtc: new Date(Date.parse(report.startedAt) + report.durationMs).toISOString(),
            toolExecutionNotifications: notifications,
          },
        ],
        results,
        properties: { totals: report.totals },
      },
    ],
  };
}
