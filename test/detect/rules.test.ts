/**
 * Every rule proves itself with its own samples (the gitleaks pattern): each true-positive
 * sample is found by that rule alone (with the exact value when the sample names one), and no
 * false-positive sample is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { defaultRules } from '../../src/detect/rules/index.js';
import type { ScanInput } from '../../src/detect/types.js';

function inputFor(text: string, header: string | undefined, field?: string): ScanInput {
  if (field) return { path: ['metadata', field], role: 'metadata', text };
  return header
    ? { path: ['headers', header], role: 'header', header, text }
    : { path: ['messages', 0, 'content'], role: 'user', text };
}

describe('rule samples', () => {
  for (const rule of defaultRules) {
    it(`${rule.id}: ${rule.samples.tp.length} positive, ${rule.samples.fp.length} negative`, () => {
      const engine = createEngine({ rules: [rule] });
      assert.ok(rule.samples.tp.length > 0, 'a rule needs at least one true-positive sample');
      for (const sample of rule.samples.tp) {
        const [text, value] = typeof sample === 'string' ? [sample, undefined] : sample;
        const findings = engine.scan([inputFor(text, rule.samples.header, rule.samples.field)]);
        const values = findings.map((f) => text.slice(f.start, f.end));
        assert.ok(findings.length > 0, `not found in ${JSON.stringify(text)}`);
        if (value !== undefined)
          assert.ok(
            values.includes(value),
            `expected ${JSON.stringify(value)}, got ${JSON.stringify(values)}`,
          );
        for (const f of findings) assert.equal(f.ruleId, rule.id);
      }
      for (const text of rule.samples.fp) {
        const findings = engine.scan([inputFor(text, rule.samples.header, rule.samples.field)]);
        assert.deepEqual(
          findings.map((f) => text.slice(f.start, f.end)),
          [],
          `false positive in ${JSON.stringify(text)}`,
        );
      }
    });
  }
});

describe('rule set', () => {
  it('has unique ids, descriptions and keywords in lower case', () => {
    const ids = new Set<string>();
    for (const rule of defaultRules) {
      assert.ok(!ids.has(rule.id), `duplicate id ${rule.id}`);
      ids.add(rule.id);
      assert.ok(rule.description.length > 10, `${rule.id} needs a description`);
      // Literals are folded by the prefilter and written in lower case; [sets] are exact on purpose.
      for (const kw of rule.keywords) {
        const literal = kw.replace(/\\u[0-9a-f]{4}/gi, '').replace(/\[[^\]]*\]/g, '');
        assert.equal(literal, literal.toLowerCase(), `${rule.id}: keyword ${kw} must be lower case`);
      }
    }
  });

  it('covers every category', () => {
    const categories = new Set(defaultRules.map((r) => r.category));
    for (const c of [
      'environment',
      'secret',
      'pii',
      'tracking',
      'hidden-unicode',
      'header-fingerprint',
    ] as const)
      assert.ok(categories.has(c), c);
  });
});
