import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanInput } from '../../src/detect/types.js';
import { applyEdits, propagateEdits, resolveOverlaps, type DecidedFinding } from '../../src/redact/apply.js';
import { compose, pseudonymize } from './helpers.js';

const input = (text: string): ScanInput => ({ path: ['t'], role: 'user', text });

describe('apply', () => {
  it('keeps the strongest, then the longest of overlapping findings', () => {
    const base = { category: 'environment', severity: 'low', path: ['t'], role: 'user', input: 0 } as const;
    const decided: DecidedFinding[] = [
      { finding: { ...base, ruleId: 'a', kind: 'home-path', start: 0, end: 11 }, action: 'pseudonymize' },
      { finding: { ...base, ruleId: 'b', kind: 'project-path', start: 0, end: 20 }, action: 'pseudonymize' },
      { finding: { ...base, ruleId: 'c', kind: 'token', start: 15, end: 30 }, action: 'redact' },
      { finding: { ...base, ruleId: 'd', kind: 'hidden-unicode', start: 40, end: 41 }, action: 'strip' },
    ];
    assert.deepEqual(
      resolveOverlaps(decided).map((d) => d.finding.ruleId),
      ['a', 'c', 'd'],
    );
  });

  it('replaces edits in order and strips spans', () => {
    const inputs = [input('a\u200bb /home/alice x'), input('untouched')];
    const out = applyEdits(inputs, [
      { input: 0, start: 1, end: 2, text: '' },
      { input: 0, start: 4, end: 15, text: '/home/user' },
    ]);
    assert.equal(out.get(0), 'ab /home/user x');
    assert.equal(out.has(1), false);
  });

  it('replaces every occurrence of a replaced value in the request, preferring the longer known value', async () => {
    const { text, findings } = compose([
      'cwd:',
      { value: '/home/alice/acme-api', kind: 'project-path', category: 'environment' },
      'then',
      { value: '/home/alice', kind: 'home-path', category: 'environment', suffix: '/acme-api/src/x.ts' },
    ]);
    const extra = ' memory: ~/.claude/projects/-home-alice-acme-api/x # acme-api README';
    const { text: out, entries } = await pseudonymize(text + extra, findings);
    assert.ok(!out.includes('acme-api'), out);
    assert.ok(!out.includes('alice'), out);
    assert.match(out, /projects\/-home-user-project-\d+\/x # project-\d+ README/);
    // The flattened spelling and the folder name restore too.
    const flat = entries.find((e) => e.original === '-home-alice-acme-api');
    assert.match(flat?.surrogate ?? '', /^-home-user-project-\d+$/);
    assert.ok(entries.some((e) => e.original === 'acme-api'));
    const inputs = [input('secret AKIA1234567890ABCDEF again'), input('no AKIA1234567890ABCDEF flag here')];
    const edits = propagateEdits(
      inputs,
      [{ input: 0, start: 7, end: 27, text: 'AKIAZZZZZZZZZZZZZZZZ' }],
      new Map([['AKIA1234567890ABCDEF', 'AKIAZZZZZZZZZZZZZZZZ']]),
    );
    assert.equal(applyEdits(inputs, edits).get(1), 'no AKIAZZZZZZZZZZZZZZZZ flag here');
  });
});
