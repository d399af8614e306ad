/**
 * A small, fixed detection engine for the scanner's own tests: four regex rules with known
 * severities, so reader, location, baseline and report tests don't move when the real
 * engine's rule set grows. End-to-end tests (scan-engine.test.ts) use the real src/detect.
 */
import type { Category, Finding, ScanInput, Severity, ValueKind } from '../../../src/detect/types.js';

interface TestRule {
  id: string;
  category: Category;
  severity: Severity;
  kind: ValueKind;
  pattern: RegExp;
}

const RULES: TestRule[] = [
  {
    id: 'test.aws-access-key',
    category: 'secret',
    severity: 'critical',
    kind: 'aws-access-key',
    pattern: /\bAKIA[0-9A-Z]{16}\b/g,
  },
  {
    id: 'test.github-token',
    category: 'secret',
    severity: 'high',
    kind: 'github-token',
    pattern: /\bghp_[0-9A-Za-z]{36}\b/g,
  },
  {
    id: 'test.home-path',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    pattern: /\/home\/[a-z][a-z0-9_-]*/g,
  },
  {
    id: 'test.email',
    category: 'pii',
    severity: 'low',
    kind: 'email',
    pattern: /\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g,
  },
  {
    id: 'test.stainless-os',
    category: 'header-fingerprint',
    severity: 'low',
    kind: 'os-version',
    pattern: /^.+$/g,
  },
];

export function createEngine(): { scan(inputs: ScanInput[]): Finding[] } {
  return {
    scan(inputs) {
      const out: Finding[] = [];
      inputs.forEach((input, i) => {
        for (const rule of RULES) {
          // The header rule applies to one header only, like the real engine's header rules.
          if (rule.id === 'test.stainless-os' && input.header !== 'x-stainless-os') continue;
          if (rule.id !== 'test.stainless-os' && input.role === 'header') continue;
          for (const m of input.text.matchAll(rule.pattern)) {
            out.push({
              ruleId: rule.id,
              category: rule.category,
              severity: rule.severity,
              kind: rule.kind,
              input: i,
              path: input.path,
              role: input.role,
              start: m.index,
              end: m.index + m[0].length,
            });
          }
        }
      });
      return out;
    },
  };
}

export const TEST_ENGINE = { module: new URL('./regex-engine.ts', import.meta.url).href };
