/** A policy's custom rules cannot make a request scan backtrack catastrophically. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicy } from '../../src/policy/compile.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { parsePolicy } from '../../src/policy/load.js';

const policyWith = (pattern: string) =>
  compilePolicy(
    parsePolicy(
      [
        'custom_rules:',
        '  - id: acme.slow',
        '    category: secret',
        `    pattern: '${pattern}'`,
        '    keywords: [a]',
      ].join('\n'),
      'policy.yaml',
    ),
    'policy.yaml',
  );

test(
  'a pattern that backtracks catastrophically in JavaScript runs in linear time (RE2)',
  { timeout: 60_000 },
  () => {
    const engine = engineForPolicy(policyWith('(a+)+$'));
    // JavaScript's engine would need about 2^100000 steps here; RE2 needs one pass.
    const text = `${'a'.repeat(100_000)}!`;
    const findings = engine.scan([{ path: ['messages', 0, 'content'], role: 'user', text }]);
    assert.ok(Array.isArray(findings));
  },
);

test('backreferences and lookarounds are refused with the reason and the rule', () => {
  assert.throws(() => engineForPolicy(policyWith('(a)\\1')), /acme\.slow.*backreferences are not supported/s);
  assert.throws(
    () => engineForPolicy(policyWith('a(?=b)')),
    /acme\.slow.*lookahead and lookbehind are not supported/s,
  );
});
