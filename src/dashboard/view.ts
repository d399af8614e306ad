/**
 * Turns stored audit events into what the pages show: list rows, and the request detail with
 * each finding placed where it was (role and JSON path) beside what left in its place. Built
 * from the findings' masked previews and actions only: the audit log holds no raw value, so
 * neither can the page.
 */
import type { AuditEvent, FindingAction } from '../audit/types.js';
import type { EventDetail, EventSummary, PlacedSegment } from './api-types.js';

function distinctByFrequency(values: readonly string[], max: number): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([v]) => v);
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 3, high: 2, medium: 1, low: 0 };

/**
 * Every distinct rule of the findings, the most severe first, then the most frequent. All of
 * them: the live feed filters pushed events by rule on this list, and a list cut at five (by
 * frequency) dropped the secret rules of a request full of environment findings.
 */
function rulesBySeverity(findings: AuditEvent['findings']): string[] {
  const rules = new Map<string, { count: number; rank: number }>();
  for (const f of findings) {
    const seen = rules.get(f.ruleId);
    const rank = SEVERITY_RANK[f.severity] ?? 0;
    if (seen === undefined) rules.set(f.ruleId, { count: 1, rank });
    else {
      seen.count++;
      seen.rank = Math.max(seen.rank, rank);
    }
  }
  return [...rules.entries()]
    .sort((a, b) => b[1].rank - a[1].rank || b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .map(([rule]) => rule);
}

export function summarize(event: AuditEvent): EventSummary {
  const summary: EventSummary = {
    id: event.id,
    time: event.time,
    kind: event.kind,
    decision: event.decision,
    provider: event.provider,
    dialect: event.dialect,
    model: event.model,
    method: event.method,
    path: event.path,
    status: event.status,
    client: event.client.agent,
    latencyMs: event.latency_ms.total,
    findings: event.findings.length,
    categories: distinctByFrequency(
      event.findings.map((f) => f.category),
      10,
    ),
    rules: rulesBySeverity(event.findings),
    error: event.error,
    instance: event.instance,
  };
  if (event.egress) summary.destination = `${event.egress.host}:${event.egress.port}`;
  if (event.uninspected?.length) summary.uninspected = event.uninspected.length;
  return summary;
}

/**
 * What left in place of a value, by the action the policy took on it. In monitor mode nothing
 * was changed: the value left as it was, and the action is what enforce would have done.
 */
export function leftInPlace(
  action: FindingAction,
  preview: string,
  forwarded: boolean,
  monitor = false,
  failed = false,
): string {
  // A request that failed (upstream unreachable, answer cut off...) was not blocked: it may or
  // may not have gone out, and what would have gone is what the policy made of it.
  if (!forwarded && failed && action !== 'block')
    return `${leftInPlace(action, preview, true, monitor)} — if it was sent before the request failed`;
  if (!forwarded) return '(not sent: request blocked)';
  if (monitor)
    return action === 'allow' || action === 'audit'
      ? `${preview} (unchanged)`
      : `${preview} (unchanged: monitor mode; enforce would ${action})`;
  switch (action) {
    case 'allow':
    case 'audit':
      return `${preview} (unchanged)`;
    case 'pseudonymize':
      return '«surrogate of the same shape»';
    case 'redact':
      return '[redacted]';
    case 'strip':
      return '(removed)';
    case 'block':
      return '(not sent: request blocked)';
  }
}

export function detail(event: AuditEvent): EventDetail {
  // An allowed egress attempt left too: the proxy connected it to its destination.
  const forwarded =
    event.kind === 'egress'
      ? event.decision === 'allow'
      : event.decision !== 'block' && event.decision !== 'error';
  const byPlace = new Map<string, PlacedSegment>();
  for (const f of event.findings) {
    const key = `${f.role}\u0000${f.path}`;
    let segment = byPlace.get(key);
    if (!segment) byPlace.set(key, (segment = { role: f.role, path: f.path, findings: [] }));
    segment.findings.push({
      ruleId: f.ruleId,
      category: f.category,
      severity: f.severity,
      action: f.action,
      sent: f.preview,
      left: leftInPlace(f.action, f.preview, forwarded, event.mode === 'monitor', event.decision === 'error'),
      valueHash: f.valueHash,
    });
  }
  return { event, segments: [...byPlace.values()], forwarded };
}
