import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createEngine } from '../../src/detect/engine.js';
import { compileUserRule } from '../../src/detect/user-rules.js';
import type { RuleDef } from '../../src/detect/rule-types.js';
import { defaultRules } from '../../src/detect/rules/index.js';
import type { Finding, ScanInput } from '../../src/detect/types.js';

const engine = createEngine();
const user = (text: string): ScanInput => ({ path: ['messages', 0, 'content'], role: 'user', text });
const values = (text: string, findings: Finding[]): string[] =>
  findings.map((f) => text.slice(f.start, f.end));

describe('engine', () => {
  it('reports exact spans with rule, category, severity, kind, path and role', () => {
    const text = 'see AKIAQ3ZK7XWPL2M4RTV6 now';
    const [f, ...rest] = engine.scan([{ path: ['system', 1, 'text'], role: 'system', text }]);
    assert.equal(rest.length, 0);
    assert.deepEqual(f, {
      ruleId: 'secret.aws-access-key',
      category: 'secret',
      severity: 'critical',
      kind: 'aws-access-key',
      input: 0,
      path: ['system', 1, 'text'],
      role: 'system',
      start: 4,
      end: 24,
    });
  });

  it('orders findings by input, then start, whatever the rule order', () => {
    const inputs = [
      user('mail marta@acme.pl and AKIAQ3ZK7XWPL2M4RTV6'),
      user('inet 10.1.2.3 then /home/mkowalski/x'),
    ];
    const forward = engine.scan(inputs);
    const backward = createEngine({ rules: [...defaultRules].reverse() }).scan(inputs);
    assert.deepEqual(
      forward.map((f) => [f.input, f.start]),
      [...forward].sort((a, b) => a.input - b.input || a.start - b.start).map((f) => [f.input, f.start]),
    );
    assert.deepEqual(
      backward.map((f) => [f.input, f.start, f.end, f.ruleId]),
      forward.map((f) => [f.input, f.start, f.end, f.ruleId]),
    );
    assert.deepEqual(
      values(
        inputs[0]!.text,
        forward.filter((f) => f.input === 0),
      ),
      ['marta@acme.pl', 'AKIAQ3ZK7XWPL2M4RTV6'],
    );
  });

  it('never returns overlapping findings: a secret beats the environment finding it overlaps', () => {
    const text = 'HOSTNAME=ghp_' + 'q7Zk2LmX9vTb4RcW8nYp3HsJ6fGd1AeQ5uKo';
    const found = engine.scan([user(text)]);
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ['secret.github-token'],
    );
  });

  it('prefers the longer span at equal severity and category', () => {
    const text = 'Primary working directory: /home/mkowalski/src/billing\n';
    const found = engine.scan([user(text)]);
    assert.deepEqual(values(text, found), ['/home/mkowalski/src/billing']);
    assert.equal(found[0]!.ruleId, 'env.project-path');
  });

  it('applies header rules by name and never reads the provider credential headers', () => {
    const inputs: ScanInput[] = [
      { path: ['headers', 'x-stainless-os'], role: 'header', header: 'x-stainless-os', text: 'Linux' },
      {
        path: ['headers', 'x-api-key'],
        role: 'header',
        header: 'x-api-key',
        text: 'sk-ant-api03-' + 'q7Zk2LmX9vTb4RcW8nYp3HsJ6fGd1AeQ5uKo'.repeat(3),
      },
      {
        path: ['headers', 'x-claude-code-session-id'],
        role: 'header',
        header: 'x-claude-code-session-id',
        text: '5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c',
      },
    ];
    const found = engine.scan(inputs);
    assert.deepEqual(
      found.map((f) => [f.input, f.ruleId, f.category]),
      [
        [0, 'header.stainless-os', 'header-fingerprint'],
        [2, 'header.session-id', 'tracking'],
      ],
    );
  });

  it('restricts a rule to its roles', () => {
    const rule: RuleDef = {
      id: 'test.only-system',
      category: 'environment',
      severity: 'low',
      kind: 'text',
      description: 'test rule for roles',
      keywords: ['zebra'],
      pattern: 'zebra\\d+',
      appliesTo: { roles: ['system'] },
      samples: { tp: [], fp: [] },
    };
    const e = createEngine({ rules: [rule] });
    assert.equal(e.scan([user('zebra42')]).length, 0);
    assert.equal(e.scan([{ path: [], role: 'system', text: 'zebra42' }]).length, 1);
  });

  it('finds host names under corporate suffixes from the policy', () => {
    const e = createEngine({ corporateSuffixes: ['acme-corp.net'] });
    const text = 'ssh build-7.eu.acme-corp.net and acme-corp.network';
    assert.deepEqual(
      values(
        text,
        e.scan([user(text)]).filter((f) => f.ruleId === 'env.corporate-hostname'),
      ),
      ['build-7.eu.acme-corp.net'],
    );
  });

  it('takes an e-mail address whole, not the host name or user name inside it', () => {
    const e = createEngine({
      corporateSuffixes: ['acme.com'],
      canaries: [
        {
          label: 'username',
          kind: 'username',
          category: 'environment',
          severity: 'medium',
          source: 'os.userInfo()',
          value: 'jane.doe',
          caseInsensitive: false,
        },
      ],
    });
    const addresses = [
      'jane.doe@mail.acme.com',
      'jane.doe@stark.lan',
      'frank.m@stark.internal',
      'jane.doe@gmail.com',
    ];
    const text = `mail ${addresses.join(', ')} now`;
    const found = e.scan([user(text)]);
    assert.deepEqual(values(text, found), addresses);
    assert.ok(
      found.every((f) => f.kind === 'email'),
      found.map((f) => f.ruleId).join(),
    );
    const host = 'ssh mail.acme.com';
    assert.deepEqual(values(host, e.scan([user(host)])), ['mail.acme.com'], 'a host alone is still one');
  });

  it('refuses a rule set with a duplicate id or a text rule without keywords', () => {
    const base = defaultRules[0]!;
    assert.throws(() => createEngine({ rules: [base, base] }), /duplicate rule id/);
    assert.throws(
      () => createEngine({ rules: [{ ...base, id: 'x.nokw', keywords: [] }] }),
      /needs at least one prefilter keyword/,
    );
  });

  it('reads id fields by name (prompt_cache_key, metadata.sessionId)', () => {
    const inputs: ScanInput[] = [
      { path: ['prompt_cache_key'], role: 'metadata', text: '0199a4c2-7b1e-7d30-9f4a-3c5d6e7f8a9b' },
      { path: ['metadata', 'sessionId'], role: 'metadata', text: 'default' },
    ];
    assert.deepEqual(
      engine.scan(inputs).map((f) => [f.input, f.ruleId, f.start, f.end]),
      [[0, 'tracking.id-field', 0, 36]],
    );
  });

  it('extends a finding to a value found in context elsewhere in the request', () => {
    const inputs = [
      {
        path: ['system', 0, 'text'],
        role: 'system',
        text: 'Primary working directory: /home/mkowalski/src/billing-api\n',
      },
      {
        path: ['messages', 1, 'content', 0, 'input', 'file_path'],
        role: 'tool_use',
        text: '/home/mkowalski/src/billing-api/.env',
      },
      {
        path: ['messages', 2, 'content', 0, 'content'],
        role: 'tool_result',
        text: 'see /home/mkowalski/src/other',
      },
    ] satisfies ScanInput[];
    const found = engine.scan(inputs);
    assert.deepEqual(
      found.map((f) => [f.input, f.ruleId, inputs[f.input]!.text.slice(f.start, f.end)]),
      [
        [0, 'env.project-path', '/home/mkowalski/src/billing-api'],
        [1, 'env.project-path', '/home/mkowalski/src/billing-api'],
        [2, 'env.home-path', '/home/mkowalski'],
      ],
    );
  });

  it('is linear: a long run of keyword-like text does not blow up', () => {
    const text = ('key=' + 'a'.repeat(50) + ' ').repeat(2000) + '@'.repeat(20000) + '1.'.repeat(20000);
    const found = engine.scan([user(text)]);
    assert.ok(Array.isArray(found));
  });
});

describe('prefilter correctness', () => {
  // Fragments: every rule sample plus noise, glued at random; prefilter on and off must agree.
  const fragments = [
    ...defaultRules.flatMap((r) => [
      ...r.samples.tp.map((s) => (typeof s === 'string' ? s : s[0])),
      ...r.samples.fp,
    ]),
    'tick-123 ',
    'tick-9',
  ];
  const noise = fc.string({
    unit: fc.constantFrom(
      ' ',
      '\n',
      'a',
      'Z',
      '0',
      '9',
      '.',
      ':',
      '/',
      '-',
      '_',
      '=',
      '"',
      '@',
      '\\',
      '\u200b',
    ),
    maxLength: 12,
  });
  const corpus = fc
    .array(fc.oneof(fc.constantFrom(...fragments), noise), { minLength: 1, maxLength: 10 })
    .map((parts) => parts.join(''));
  // A user rule (RE2JS, linear-time path) rides along, with keywords in the fragments.
  const userRule = compileUserRule({
    id: 'test.ticket',
    description: 'ticket ids',
    keywords: ['tick-'],
    pattern: 'tick-(?P<v>[0-9]{3,8})',
    samples: { tp: ['tick-12345'], fp: [] },
  });
  const on = createEngine({ rules: [...defaultRules, userRule] });
  const off = createEngine({ rules: [...defaultRules, userRule], prefilter: false });

  it('finds exactly the same spans with and without the keyword prefilter', () => {
    fc.assert(
      fc.property(corpus, (text) => {
        const input = [user(text)];
        assert.deepEqual(on.scan(input), off.scan(input));
      }),
      {
        numRuns: 150,
        // Found by CI: `machineId` matched the pattern but was not a keyword.
        examples: [
          [
            'machineId: stringsk-q7Zk2LmX9vTb4RcW8nYpT3BlbkFJq7Zk2LmX9vTb4RcW8nYpAWS_ACCESS_KEY_ID=AKIAQ3ZK7XWPL2M4RTV6',
          ],
        ],
      },
    );
  });
});
