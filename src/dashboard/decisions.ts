/**
 * The overview's decision counts split by kind of event. The store counts decisions of requests
 * and egress attempts together, and `error` is a decision of both; mixed, an egress attempt
 * counted as a request (a denied telemetry host drawn beside blocked requests, its failures
 * added to the requests' errors). An egress attempt is `allow`, `deny` or `error`, so its errors
 * in a bucket are its attempts less those allowed and denied; the rest of `error` is requests'.
 */
import type { AuditStats, StatsSeries } from '../audit/store.js';

export const REQUEST_DECISIONS = ['forward', 'pseudonymize', 'block', 'error'] as const;
export const EGRESS_DECISIONS = ['allow', 'deny', 'error'] as const;

export interface DecisionsByKind {
  requests: StatsSeries[];
  egress: StatsSeries[];
}

function series(key: string, counts: number[]): StatsSeries {
  return { key, total: counts.reduce((a, b) => a + b, 0), counts };
}

function ranked(list: StatsSeries[]): StatsSeries[] {
  return list.filter((s) => s.total > 0).sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

export function decisionsByKind(stats: AuditStats): DecisionsByKind {
  const length = stats.buckets.length;
  const counts = (list: StatsSeries[], key: string): number[] =>
    list.find((s) => s.key === key)?.counts ?? new Array<number>(length).fill(0);
  const egressAll = counts(stats.kind, 'egress');
  const allowed = counts(stats.decision, 'allow');
  const denied = counts(stats.decision, 'deny');
  const errors = counts(stats.decision, 'error');
  const egressErrors = egressAll.map((n, i) => Math.max(0, n - (allowed[i] ?? 0) - (denied[i] ?? 0)));
  const requestErrors = errors.map((n, i) => Math.max(0, n - (egressErrors[i] ?? 0)));
  return {
    requests: ranked([
      ...REQUEST_DECISIONS.filter((d) => d !== 'error').map((d) => series(d, counts(stats.decision, d))),
      series('error', requestErrors),
    ]),
    egress: ranked([series('allow', allowed), series('deny', denied), series('error', egressErrors)]),
  };
}
