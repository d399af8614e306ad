/**
 * One finding per span. When findings overlap, the most specific wins, in this order:
 *   1. category: secret > environment > tracking > pii > header-fingerprint > hidden-unicode;
 *   2. the longer span (a whole project path beats the user name inside it);
 *   3. higher severity (critical > high > medium > low);
 *   4. a local canary (exact knowledge of this machine) before a pattern rule;
 *   5. the earlier rule in the rule list, then the earlier start.
 * Before that order, an e-mail address beats what it holds but a secret: a host name found in
 * its domain (`jane.doe@build.corp.lan`), or the user name as its local part, would otherwise
 * win by category and leave the rest of the address, the person's name, as it was.
 * The result is sorted by (input, start), so the order never depends on rule evaluation order.
 */
import type { Category, Finding, Severity } from './types.js';
import { sortIfNeeded } from '../sort-if-needed.js';

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const CATEGORY_RANK: Record<Category, number> = {
  'hidden-unicode': 0,
  'header-fingerprint': 1,
  pii: 2,
  tracking: 3,
  environment: 4,
  secret: 5,
};

/** A finding plus the tie-breakers the order needs. */
export interface RankedFinding extends Finding {
  /** Position of the rule in the engine's list; canaries use -1 (before every rule). */
  order: number;
}

function better(a: RankedFinding, b: RankedFinding): number {
  return (
    CATEGORY_RANK[b.category] - CATEGORY_RANK[a.category] ||
    b.end - b.start - (a.end - a.start) ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    a.order - b.order ||
    a.start - b.start
  );
}

/**
 * Keeps the best of every group of overlapping findings of one input. The groups are found in
 * one pass by start, and only a group of several is ranked: ranking all of an input's findings
 * at once inserted each kept one into the middle of the kept list, which for a log repeating
 * an address 20,000 times moved 10^9 slots.
 */
function resolveOne(candidates: RankedFinding[]): RankedFinding[] {
  if (candidates.length <= 1) return candidates;
  const byStart = sortIfNeeded(candidates, (a, b) => a.start - b.start);
  const out: RankedFinding[] = [];
  let i = 0;
  while (i < byStart.length) {
    const first = byStart[i]!;
    let end = first.end;
    let j = i + 1;
    for (; j < byStart.length && byStart[j]!.start < end; j++) end = Math.max(end, byStart[j]!.end);
    if (j === i + 1) out.push(first);
    else for (const f of bestOf(byStart.slice(i, j))) out.push(f);
    i = j;
  }
  return out;
}

/** The best of overlapping findings, sorted by start. */
function bestOf(candidates: RankedFinding[]): RankedFinding[] {
  const ranked = withoutHeldByEmail(candidates).sort(better);
  // Accepted spans sorted by start; binary search finds the neighbours of a new span.
  const starts: number[] = [];
  const kept: RankedFinding[] = [];
  for (const f of ranked) {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < f.start) lo = mid + 1;
      else hi = mid;
    }
    const prev = kept[lo - 1];
    const next = kept[lo];
    if (prev && prev.end > f.start) continue;
    if (next && next.start < f.end) continue;
    starts.splice(lo, 0, f.start);
    kept.splice(lo, 0, f);
  }
  return kept;
}

/** The candidates less the findings inside an e-mail address found among them (secrets stay). */
function withoutHeldByEmail(candidates: RankedFinding[]): RankedFinding[] {
  const emails = candidates.filter((f) => f.kind === 'email');
  if (emails.length === 0) return candidates;
  return candidates.filter(
    (f) =>
      f.kind === 'email' ||
      f.category === 'secret' ||
      !emails.some((e) => e.start <= f.start && f.end <= e.end),
  );
}

export function resolveOverlaps(findings: readonly RankedFinding[]): Finding[] {
  const byInput = new Map<number, RankedFinding[]>();
  for (const f of findings) {
    let list = byInput.get(f.input);
    if (!list) byInput.set(f.input, (list = []));
    list.push(f);
  }
  const out: Finding[] = [];
  for (const input of sortIfNeeded([...byInput.keys()], (a, b) => a - b)) {
    for (const f of resolveOne(byInput.get(input)!)) {
      out.push({
        ruleId: f.ruleId,
        category: f.category,
        severity: f.severity,
        kind: f.kind,
        input: f.input,
        path: f.path,
        role: f.role,
        start: f.start,
        end: f.end,
      });
    }
  }
  return out;
}

/**
 * A finding with its order, built field by field: `{ ...f, order }` (a spread that adds a
 * property) takes V8's slow path, about 1 µs a finding.
 */
function withOrder(f: Finding, order: number): RankedFinding {
  return {
    ruleId: f.ruleId,
    category: f.category,
    severity: f.severity,
    kind: f.kind,
    input: f.input,
    path: f.path,
    role: f.role,
    start: f.start,
    end: f.end,
    order,
  };
}

/** Merges findings from two sources (engine and persistent-id tracker) under the same order. */
export function mergeFindings(a: readonly Finding[], b: readonly Finding[]): Finding[] {
  return resolveOverlaps([...a.map((f) => withOrder(f, 0)), ...b.map((f) => withOrder(f, 1))]);
}
