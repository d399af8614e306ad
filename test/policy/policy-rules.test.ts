/**
 * What the policy schema checks about rules: custom rules as the detection engine will run them
 * (kinds, id shape, RE2), each problem at its line and key; `rules:` keys that name no rule;
 * problems in the order of the file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/yaml-zod.js';
import { learnCanaries } from '../../src/detect/canaries.js';
import { createEngine } from '../../src/detect/engine.js';
import { createPersistentIdDetector, MemoryIdTracker } from '../../src/detect/tracking.js';
import { USER_RULE_KINDS, userRuleSchema } from '../../src/detect/user-rules.js';
import { parsePolicy } from '../../src/policy/load.js';
import { BUILT_IN_RULE_IDS } from '../../src/policy/rule-ids.js';
import { CUSTOM_RULE_KINDS } from '../../src/policy/schema.js';
import { generate } from '../../src/redact/generate.js';

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.problems];
  }
  assert.fail('expected the policy to be refused');
}

const rule = (fields: Record<string, string>): string[] => [
  `  - id: ${fields.id ?? 'acme.ticket'}`,
  `    category: ${fields.category ?? 'pii'}`,
  ...(fields.kind ? [`    kind: ${fields.kind}`] : []),
  ...(fields.description !== undefined ? [`    description: '${fields.description}'`] : []),
  `    pattern: '${fields.pattern ?? 'ACME-\\d{6}'}'`,
  `    keywords: [${fields.keywords ?? 'ACME-'}]`,
];

describe('custom rules', () => {
  it('reports what the engine refuses for every rule, with its line and key', () => {
    const out = problems(
      [
        'custom_rules:',
        ...rule({ id: 'acme.a', pattern: 'foo(?=bar)', keywords: 'foo' }),
        ...rule({ id: 'acme.b', pattern: '(a)\\1', keywords: 'a' }),
        ...rule({ id: 'acme.c', keywords: '"[unclosed"' }),
      ].join('\n'),
    );
    assert.equal(out.length, 3, out.join('\n'));
    assert.match(out[0]!, /^p\.yaml:4:5: custom_rules\.0\.pattern: user rule "acme\.a": .*lookahead/);
    assert.match(out[1]!, /^p\.yaml:8:5: custom_rules\.1\.pattern: user rule "acme\.b": .*backreferences/);
    assert.match(
      out[2]!,
      /^p\.yaml:13:16: custom_rules\.2\.keywords\.0: user rule "acme\.c": keyword "\[unclosed"/,
    );
  });

  it('takes RE2 syntax, which is what runs: a (?P<v>...) group is accepted', () => {
    const p = parsePolicy(['custom_rules:', ...rule({ pattern: 'ACME-(?P<v>\\d{6})' })].join('\n'), 'p.yaml');
    assert.equal(p.custom_rules[0]?.pattern, 'ACME-(?P<v>\\d{6})');
  });

  it('accepts the kinds, ids and descriptions the engine accepts, and no others', () => {
    assert.deepEqual(
      CUSTOM_RULE_KINDS.filter((k) => !userRuleSchema.shape.kind.safeParse(k).success),
      [],
      'every kind the policy takes, the engine takes',
    );
    const kind = problems(['custom_rules:', ...rule({ kind: 'aws-access-key' })].join('\n'));
    assert.match(
      kind.join('\n'),
      /p\.yaml:4:5: custom_rules\.0\.kind: not a kind custom rules can have; one of token, /,
    );
    const long = problems(['custom_rules:', ...rule({ id: `acme.${'x'.repeat(60)}` })].join('\n'));
    assert.match(long.join('\n'), /p\.yaml:2:5: custom_rules\.0\.id: .*at most 64 characters/);
    const empty = problems(['custom_rules:', ...rule({ description: '' })].join('\n'));
    assert.match(empty.join('\n'), /p\.yaml:4:5: custom_rules\.0\.description: /);
  });

  it('refuses kind text, whose surrogate is empty, naming the kinds that work; those all have a surrogate', async () => {
    const out = problems(['custom_rules:', ...rule({ kind: 'text' })].join('\n'));
    assert.match(
      out.join('\n'),
      /p\.yaml:4:5: custom_rules\.0\.kind: text has no surrogate .*never restored.*opaque-id/,
    );
    assert.ok(USER_RULE_KINDS.includes('text') && !CUSTOM_RULE_KINDS.includes('text'));
    let n = 0;
    const bytes = { next: () => (n = (n * 31 + 7) % 251) };
    for (const kind of CUSTOM_RULE_KINDS) {
      const value = 'ACME-123456';
      const surrogate = await generate(kind, value, bytes, 1, 0, async (_k, v) => `${v}-s`);
      assert.ok(surrogate.text.length > 0, `${kind} has a surrogate`);
      assert.notEqual(surrogate.text, value, `${kind} replaces the value`);
    }
  });

  it('refuses an id that a built-in rule or another custom rule has', () => {
    const out = problems(
      [
        'custom_rules:',
        ...rule({ id: 'pii.email' }),
        ...rule({ id: 'acme.x' }),
        ...rule({ id: 'acme.x' }),
      ].join('\n'),
    );
    assert.match(out.join('\n'), /p\.yaml:2:5: custom_rules\.0\.id: pii\.email is a built-in rule/);
    assert.match(out.join('\n'), /p\.yaml:10:5: custom_rules\.2\.id: another custom rule has the id acme\.x/);
  });
});

describe('rules: keys', () => {
  it('refuses an id or glob that names no rule, with its line and a likely meant id', () => {
    const out = problems(
      [
        'rules:',
        '  "pii.e-mail": block',
        '  "env.*": audit',
        '  "nothing.*": allow',
        'scopes:',
        '  - match: { provider: [gemini] }',
        '    rules: { "secret.privatekey": allow }',
      ].join('\n'),
    );
    assert.deepEqual(out, [
      'p.yaml:2:3: rules.pii.e-mail: no built-in or custom rule has this id (did you mean pii.email?)',
      'p.yaml:4:3: rules.nothing.*: matches no built-in or custom rule',
      'p.yaml:7:14: scopes.0.rules.secret.privatekey: no built-in or custom rule has this id (did you mean secret.private-key?)',
    ]);
  });

  it('takes the ids of custom rules, canaries, corporate domains and the persistent-id detector (as they report them)', async () => {
    const p = parsePolicy(
      [
        'rules:',
        '  acme.ticket: block',
        '  canary.hostname: block',
        '  env.corporate-hostname: audit',
        '  tracking.persistent-id: allow',
        'custom_rules:',
        ...rule({}),
      ].join('\n'),
      'p.yaml',
    );
    assert.equal(p.rules?.['acme.ticket'], 'block');

    // The ids listed are the ones the detectors report.
    const engine = createEngine({
      canaries: learnCanaries({
        env: {},
        home: '/home/zed',
        hostname: 'zed-box-7',
        fqdns: [],
        username: 'zed',
        machineIds: [],
        macs: [],
        ips: [],
        timeZones: [],
        readGit: false,
      }),
    });
    const found = engine.scan([{ path: [], role: 'user', text: 'on zed-box-7 in /home/zed' }]);
    assert.ok(found.some((f) => f.ruleId.startsWith('canary.')));
    for (const f of found) assert.ok(BUILT_IN_RULE_IDS.has(f.ruleId), f.ruleId);
    const detector = createPersistentIdDetector({ tracker: new MemoryIdTracker(), key: 'k', threshold: 1 });
    const ids = await detector.scan([
      { path: ['metadata', 'user_id'], role: 'metadata', text: '3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f' },
    ]);
    assert.ok(ids.length > 0);
    for (const f of ids) assert.ok(BUILT_IN_RULE_IDS.has(f.ruleId), f.ruleId);
  });
});

describe('problems', () => {
  it('are listed in the order of the file, not of the schema', () => {
    const out = problems(
      ['version: 1', 'rules: { "pii.e-mail": block }', 'mode: sometimes', 'on_error: maybe', 'mdoe: x'].join(
        '\n',
      ),
    );
    const lines = out.map((p) => Number(/^p\.yaml:(\d+):/.exec(p)?.[1]));
    assert.deepEqual(lines, [2, 3, 4, 5], out.join('\n'));
  });
});
