/**
 * One finding per span: the groups of overlapping findings are found in one pass by start and
 * ranked alone. Random findings give what ranking all of an input's findings at once (the
 * former form, kept here as the reference) gives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveOverlaps, type RankedFinding } from '../../src/detect/overlaps.js';
import type { Category, Severity } from '../../src/detect/types.js';

const SEVERITY: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const CATEGORY: Record<Category, number> = {
  'hidden-unicode': 0,
  'header-fingerprint': 1,
  pii: 2,
  tracking: 3,
  environment: 4,
  secret: 5,
};

function reference(findings: readonly RankedFinding[]): string[] {
  const better = (a: RankedFinding, b: RankedFinding): number =>
    CATEGORY[b.category] - CATEGORY[a.category] ||
    b.end - b.start - (a.end - a.start) ||
    SEVERITY[b.severity] - SEVERITY[a.severity] ||
    a.order - b.order ||
    a.start - b.start;
  const kept: RankedFinding[] = [];
  for (const f of [...findings].sort(better)) {
    if (kept.some((k) => k.input === f.input && k.end > f.start && k.start < f.end)) continue;
    kept.push(f);
  }
  return kept.sort((a, b) => a.input - b.input || a.start - b.start).map((f) => f.ruleId);
}

describe('resolveOverlaps', () => {
  it('keeps what ranking every finding of an input against the others keeps', () => {
    const finding = fc.record({
      input: fc.nat(2),
      start: fc.nat(50),
      length: fc.integer({ min: 1, max: 15 }),
      category: fc.constantFrom(...(Object.keys(CATEGORY) as Category[])),
      severity: fc.constantFrom(...(Object.keys(SEVERITY) as Severity[])),
      order: fc.integer({ min: -1, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 40 }), (raw) => {
        // Distinct (input, start, end): two findings of one span differ only by rule order, a
        // tie the rule list settles in the engine.
        const seen = new Set<string>();
        const findings: RankedFinding[] = [];
        raw.forEach((r, i) => {
          const key = `${r.input}:${r.start}:${r.length}`;
          if (seen.has(key)) return;
          seen.add(key);
          findings.push({
            ruleId: `r${i}`,
            category: r.category,
            severity: r.severity,
            kind: 'path',
            input: r.input,
            path: [],
            role: 'user',
            start: r.start,
            end: r.start + r.length,
            order: r.order,
          });
        });
        assert.deepEqual(
          resolveOverlaps(findings).map((f) => f.ruleId),
          reference(findings),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
