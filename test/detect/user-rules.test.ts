import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { defaultRules } from '../../src/detect/rules/index.js';
import {
  compileUserRule,
  compileUserRules,
  UserRuleError,
  userRuleSchema,
} from '../../src/detect/user-rules.js';

const acmeToken = {
  id: 'acme.internal-token',
  description: 'ACME internal service tokens',
  category: 'secret',
  severity: 'critical',
  kind: 'token',
  keywords: ['acme_tok_'],
  pattern: 'acme_tok_(?P<v>[a-z0-9]{24})\\b',
  samples: { tp: ['auth acme_tok_0123456789abcdefghijklmn ok'], fp: ['acme_tok_short'] },
};

describe('user rules', () => {
  it('compiles a rule from the policy and finds its value span alongside the built-in rules', () => {
    const engine = createEngine({ rules: [...defaultRules, compileUserRule(acmeToken)] });
    const text = 'use acme_tok_0123456789abcdefghijklmn and AKIAQ3ZK7XWPL2M4RTV6';
    const found = engine.scan([{ path: [], role: 'user', text }]);
    assert.deepEqual(
      found.map((f) => [f.ruleId, text.slice(f.start, f.end)]),
      [
        ['acme.internal-token', '0123456789abcdefghijklmn'],
        ['secret.aws-access-key', 'AKIAQ3ZK7XWPL2M4RTV6'],
      ],
    );
  });

  it('accepts the policy file shape: flags, keyword classes, optional description', () => {
    const rule = compileUserRule({
      id: 'corp.ticket',
      category: 'environment',
      keywords: [String.raw`tick-\d`],
      pattern: 'TICK-(?<v>\\d{4,})',
      flags: 'i',
    });
    const text = 'see tick-20231 now';
    const found = createEngine({ rules: [rule] }).scan([{ path: [], role: 'user', text }]);
    assert.deepEqual(
      found.map((f) => text.slice(f.start, f.end)),
      ['20231'],
    );
    assert.equal(rule.kind, 'token');
  });

  it('supports case-insensitive patterns, allow-lists and roles', () => {
    const rule = compileUserRule({
      id: 'corp.codename',
      description: 'project code names',
      category: 'environment',
      kind: 'text',
      keywords: ['project '],
      pattern: 'project (?P<v>[a-z]+)',
      case_insensitive: true,
      allow: ['Apollo'],
      roles: ['user'],
    });
    const engine = createEngine({ rules: [rule] });
    const scan = (text: string, role: 'user' | 'system' = 'user'): string[] =>
      engine.scan([{ path: [], role, text }]).map((f) => text.slice(f.start, f.end));
    assert.deepEqual(scan('PROJECT Zephyr starts'), ['Zephyr']);
    assert.deepEqual(scan('project Apollo'), []);
    assert.deepEqual(scan('project Zephyr', 'system'), []);
  });

  it('runs a catastrophic pattern in linear time instead of backtracking', () => {
    // (a+)+$ backtracks exponentially in a JS RegExp on "aaaa...ab"; RE2 does not backtrack.
    const rule = compileUserRule({
      id: 'test.catastrophic',
      description: 'nested quantifier',
      keywords: ['aaaa'],
      pattern: '(a+)+$',
    });
    const engine = createEngine({ rules: [rule] });
    const text = 'a'.repeat(100_000) + 'b';
    assert.deepEqual(engine.scan([{ path: [], role: 'user', text }]), []);
    const tail = 'x' + 'a'.repeat(5_000);
    assert.equal(engine.scan([{ path: [], role: 'user', text: tail }]).length > 0, true);
  });

  it('refuses backreferences and lookarounds with an error naming the rule and the problem', () => {
    assert.throws(
      () => compileUserRule({ ...acmeToken, samples: undefined, pattern: '(a)\\1' }),
      (err: unknown) =>
        err instanceof UserRuleError &&
        /acme\.internal-token/.test(err.message) &&
        /backreferences are not supported/.test(err.message),
    );
    assert.throws(
      () => compileUserRule({ ...acmeToken, samples: undefined, pattern: 'acme_tok_(?=x)' }),
      /lookahead and lookbehind are not supported/,
    );
    assert.throws(
      () => compileUserRule({ ...acmeToken, samples: undefined, pattern: 'acme_tok_(?<!x)' }),
      /user rule "acme.internal-token"/,
    );
  });

  it('validates the shape and checks the samples a rule carries', () => {
    assert.throws(() => compileUserRule({ ...acmeToken, keywords: [] }), /keywords/);
    assert.throws(() => compileUserRule({ ...acmeToken, severity: 'urgent' }), /severity/);
    assert.throws(() => compileUserRule({ ...acmeToken, extra: 1 }), /Unrecognized key/i);
    assert.throws(
      () => compileUserRule({ ...acmeToken, samples: { tp: ['nothing here'], fp: [] } }),
      /true-positive sample not found/,
    );
    assert.throws(
      () => compileUserRule({ ...acmeToken, samples: { tp: [], fp: ['acme_tok_0123456789abcdefghijklmn'] } }),
      /false-positive sample matched/,
    );
    assert.equal(
      userRuleSchema.parse({ id: 'a.b', description: 'd', keywords: ['kw'], pattern: 'kw' }).severity,
      'high',
    );
    assert.throws(
      () => compileUserRule({ ...acmeToken, samples: undefined, keywords: ['[unclosed'] }),
      /user rule "acme.internal-token": keyword "\[unclosed": unclosed \[/,
    );
  });

  it('lists every problem of a rule set at once', () => {
    assert.throws(
      () =>
        compileUserRules([
          { ...acmeToken, id: 'one.bad', pattern: '(a)\\1', samples: undefined },
          { ...acmeToken, id: 'two.bad', keywords: [] },
        ]),
      (err: unknown) => err instanceof Error && /one\.bad/.test(err.message) && /two\.bad/.test(err.message),
    );
  });
});
