import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import {
  registerPolicyCommand,
  runPolicyCheck,
  runPolicyInit,
  runPolicySchema,
} from '../../src/cli/commands/policy.js';
import { ConfigError } from '../../src/config/yaml-zod.js';
import type { DecisionInput } from '../../src/policy/compile.js';
import {
  compilePolicy,
  GIVEN_AS_CREDENTIAL,
  GIVEN_TO_TOOL_SERVER,
  KEPT_IN_CONTENT,
} from '../../src/policy/compile.js';
import { GIVEN_ROLES } from '../../src/dialects/types.js';
import { BASE_ACTIONS, DEFAULT_POLICY_YAML } from '../../src/policy/default.js';
import { policyJsonSchema } from '../../src/policy/json-schema.js';
import { defaultPolicy, loadPolicy, parsePolicy } from '../../src/policy/load.js';
import { reduceUserAgent } from '../../src/policy/user-agent.js';
import { ALIAS_BOMB } from '../helpers/yaml-bomb.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempFile(name: string, text: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'airlock-policy-'));
  dirs.push(d);
  const file = join(d, name);
  await writeFile(file, text);
  return file;
}

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.problems];
  }
  assert.fail('expected the policy to be refused');
}

const f = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  ruleId: 'env.home-path',
  kind: 'home-path',
  category: 'environment',
  role: 'user',
  ...over,
});

describe('policy loading', () => {
  it('the default YAML is valid and is what the gateway uses without a file', () => {
    const p = defaultPolicy().policy;
    assert.equal(p.mode, 'enforce');
    assert.equal(p.on_error, 'block');
    assert.equal(p.categories?.secret, 'redact');
    assert.equal(p.kinds?.['private-key'], 'block');
    assert.deepEqual(p.headers.drop, ['x-stainless-*']);
    assert.equal(p.restore_secrets_in_tool_calls, true);
  });

  it('a missing required key is called missing, not an invalid value', () => {
    const text = 'custom_rules:\n  - id: acme.x\n    pattern: "ACME-\\\\d+"\n    keywords: [ACME-]\n';
    assert.throws(
      () => parsePolicy(text, 'p.yaml'),
      (err: ConfigError) => {
        assert.match(
          err.problems[0] ?? '',
          /^p\.yaml:2:5: custom_rules\.0\.category: required, and missing \(expected one of /,
        );
        return true;
      },
    );
    // A wrong value is still a wrong value.
    assert.throws(
      () => parsePolicy(text.replace('id: acme.x', 'id: acme.x\n    category: nope'), 'p.yaml'),
      (err: ConfigError) =>
        !/missing/.test(err.problems.join()) && /category: Invalid option/.test(err.problems.join()),
    );
  });

  it('the default YAML says what the built-in tables say, and a partial file keeps them', () => {
    const yaml = parsePolicy(DEFAULT_POLICY_YAML, 'default.yaml');
    assert.deepEqual(yaml.categories, BASE_ACTIONS.categories);
    assert.deepEqual(yaml.kinds, BASE_ACTIONS.kinds);
    assert.deepEqual(yaml.rules, BASE_ACTIONS.rules);
    const partial = compilePolicy(
      parsePolicy('mode: monitor\ncategories: { pii: audit }\n', 'p.yaml'),
      'p.yaml',
    );
    assert.equal(partial.policy.categories?.pii, 'audit');
    assert.equal(partial.policy.categories?.secret, 'redact');
    assert.equal(partial.policy.kinds?.['private-key'], 'block');
  });

  it('names file, line, column and key for an unknown key and a wrong value', () => {
    const out = problems('mode: enforce\ncategories:\n  secrets: redact\n  pii: scramble\n');
    assert.equal(out.length, 2);
    assert.ok(
      out.some((p) => /^p\.yaml:3:3: categories\.secrets: unknown key "secrets"/.test(p)),
      out.join('\n'),
    );
    assert.ok(
      out.some((p) => /^p\.yaml:4:\d+: categories\.pii: /.test(p) && p.includes('pseudonymize')),
      out.join('\n'),
    );
  });

  it('refuses a misspelled kind, role, top-level key, bad vault and an invalid custom regex', () => {
    const out = problems(
      [
        'kinds:',
        '  private_key: block',
        'roles:',
        '  tools: allow',
        'mdoe: monitor',
        'vault: mongodb://x',
        'custom_rules:',
        '  - id: acme.ticket',
        '    category: pii',
        "    pattern: 'ACME-(\\d+'",
        '    keywords: [ACME-]',
      ].join('\n'),
    );
    const text = out.join('\n');
    assert.match(text, /p\.yaml:2:3: kinds\.private_key: unknown key/);
    assert.match(text, /p\.yaml:4:3: roles\.tools: unknown key/);
    assert.match(text, /p\.yaml:5:1: mdoe: unknown key/);
    assert.match(text, /p\.yaml:6:\d+: vault: memory, sqlite or a redis:\/\/ URL/);
    assert.match(
      text,
      /p\.yaml:10:\d+: custom_rules\.0\.pattern: user rule "acme\.ticket": pattern refused: /,
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const out = problems('mode: enforce\ncategories: [unclosed\n');
    assert.match(out[0] ?? '', /^p\.yaml:\d+:\d+: /);
  });

  it('refuses an alias bomb as a problem of the file, at the alias where expanding stopped', () => {
    assert.deepEqual(problems(ALIAS_BOMB), [
      'p.yaml:4:8: aliases expand to too much data here (refused as a possible "alias bomb")',
    ]);
    // An alias of no anchor is the same kind of problem, not an error of the program.
    assert.deepEqual(problems('mode: enforce\non_error: *missing\n'), [
      'p.yaml:2:11: Unresolved alias (the anchor must be set before the alias): missing',
    ]);
    // Aliases within reason are fine.
    const policy = parsePolicy('kinds:\n  email: &b block\n  iban: *b\n', 'p.yaml');
    assert.equal(policy.kinds?.iban, 'block');
  });

  it('refuses a second YAML document at its `---`, in words for the user', () => {
    const out = problems('mode: enforce\n---\nmode: monitor\n');
    assert.deepEqual(out, ['p.yaml:2:1: the file must hold one YAML document; found a second one here']);
    assert.doesNotMatch(out.join(), /parseAllDocuments/);
    // One document with its optional start and end markers is one document.
    assert.equal(parsePolicy('---\nmode: monitor\n...\n', 'p.yaml').mode, 'monitor');
  });

  it('accepts the egress section and validates its host patterns', () => {
    assert.deepEqual(parsePolicy('egress:\n  allow: ["*.acme.corp"]\n', 'p.yaml').egress.allow, [
      '*.acme.corp',
    ]);
    assert.match(
      problems('egress:\n  deny: ["@nonsense"]\n').join('\n'),
      /egress\.deny\.0: unknown host group/,
    );
  });
});

describe('compiled decisions', () => {
  const compiled = compilePolicy(
    parsePolicy(
      [
        'default: audit',
        'categories: { environment: pseudonymize, secret: redact, pii: pseudonymize }',
        'kinds: { private-key: block }',
        'roles:',
        '  tool_definition: allow',
        '  metadata: { environment: audit }',
        'rules:',
        '  env.timezone-iana: allow',
        '  "secret.private-*": redact',
        'scopes:',
        '  - match: { provider: [gemini] }',
        '    categories: { pii: block }',
        '  - match: { client: ["my-tool/*"] }',
        '    roles: { tool_definition: block }',
        '    default: block',
      ].join('\n'),
      'p.yaml',
    ),
    'p.yaml',
  );
  const anthropic = compiled.forRequest('anthropic', 'claude-cli/2.0.14 (external, cli)');

  it('applies rule > kind > role+category > role > category > default', () => {
    assert.deepEqual(anthropic.decide(f()), { action: 'pseudonymize', because: 'categories.environment' });
    assert.deepEqual(anthropic.decide(f({ ruleId: 'env.timezone-iana', kind: 'timezone' })), {
      action: 'allow',
      because: 'rules."env.timezone-iana"',
    });
    assert.deepEqual(
      anthropic.decide(f({ ruleId: 'secret.private-key', kind: 'private-key', category: 'secret' })),
      {
        action: 'redact',
        because: 'rules."secret.private-*"',
      },
    );
    assert.deepEqual(
      anthropic.decide(
        f({ ruleId: 'x.pem', kind: 'private-key', category: 'secret', role: 'tool_definition' }),
      ),
      {
        action: 'block',
        because: 'kinds.private-key',
      },
    );
    assert.deepEqual(anthropic.decide(f({ role: 'tool_definition' })), {
      action: 'allow',
      because: 'roles.tool_definition',
    });
    assert.deepEqual(anthropic.decide(f({ role: 'metadata' })), {
      action: 'audit',
      because: 'roles.metadata.environment',
    });
    // Built-in table entries the file did not replace stay in force.
    assert.deepEqual(anthropic.decide(f({ category: 'tracking', kind: 'uuid' })), {
      action: 'pseudonymize',
      because: 'categories.tracking',
    });
    const header = f({
      ruleId: 'header.client-version',
      kind: 'runtime-version',
      category: 'header-fingerprint',
      role: 'header',
    });
    assert.deepEqual(anthropic.decide(header), { action: 'audit', because: 'rules."header.client-version"' });
  });

  it('consults matching scopes first at each level', () => {
    const gemini = compiled.forRequest('gemini', 'GeminiCLI/0.1.5');
    assert.deepEqual(gemini.decide(f({ category: 'pii', kind: 'email' })), {
      action: 'block',
      because: 'scopes[0].categories.pii',
    });
    assert.equal(anthropic.decide(f({ category: 'pii', kind: 'email' })).action, 'pseudonymize');
    const mine = compiled.forRequest('openai', 'My-Tool/1.2');
    assert.deepEqual(mine.decide(f({ role: 'tool_definition' })), {
      action: 'block',
      because: 'scopes[1].roles.tool_definition',
    });
    // A scope default sits just above the base default: every category level comes first.
    assert.deepEqual(mine.decide(f({ category: 'tracking', kind: 'uuid' })), {
      action: 'pseudonymize',
      because: 'categories.tracking',
    });
    assert.equal(mine.decide(f()).action, 'pseudonymize');
  });

  it('keeps values it could not put back where files are carried, unless an entry says otherwise', () => {
    const builtIn = defaultPolicy().forRequest('anthropic', undefined);
    const zone = (role: DecisionInput['role'], ruleId = 'env.timezone-iana') =>
      builtIn.decide(f({ ruleId, kind: 'timezone', role }));
    for (const role of ['tool_result', 'tool_use', 'assistant'] as const)
      assert.deepEqual(zone(role), { action: 'audit', because: KEPT_IN_CONTENT }, role);
    assert.equal(zone('tool_result', 'canary.timezone').action, 'audit', "the machine's own zone too");
    for (const role of ['system', 'user', 'metadata', 'header'] as const)
      assert.deepEqual(zone(role), { action: 'pseudonymize', because: 'categories.environment' }, role);
    const deleted = builtIn.decide(f({ ruleId: 'env.no-proxy', kind: 'text', role: 'tool_result' }));
    assert.equal(deleted.action, 'audit');
    // Values that are put back, and hidden characters, are handled as everywhere else.
    assert.equal(builtIn.decide(f({ role: 'tool_result' })).action, 'pseudonymize');
    assert.deepEqual(
      builtIn.decide(
        f({
          ruleId: 'hidden.zero-width',
          kind: 'hidden-unicode',
          category: 'hidden-unicode',
          role: 'tool_result',
        }),
      ),
      { action: 'strip', because: 'categories.hidden-unicode' },
    );
    for (const [yaml, because] of [
      ['roles: { tool_result: { environment: pseudonymize } }', 'roles.tool_result.environment'],
      ['kinds: { timezone: pseudonymize }', 'kinds.timezone'],
      ['rules: { "env.timezone-*": redact }', 'rules."env.timezone-*"'],
    ]) {
      const p = compilePolicy(parsePolicy(`${yaml}\n`, 'p.yaml'), 'p.yaml').forRequest(
        'anthropic',
        undefined,
      );
      assert.equal(
        p.decide(f({ ruleId: 'env.timezone-iana', kind: 'timezone', role: 'tool_result' })).because,
        because,
      );
    }
  });

  it("sends a credential kept for an agent's tools as given, unless a category blocks or an entry names it", () => {
    const token = (over: Partial<DecisionInput> = {}) =>
      f({
        ruleId: 'secret.github-token',
        kind: 'github-token',
        category: 'secret',
        role: 'credential',
        ...over,
      });
    const builtIn = defaultPolicy().forRequest('anthropic', undefined);
    assert.deepEqual(builtIn.decide(token()), { action: 'audit', because: GIVEN_AS_CREDENTIAL });
    assert.deepEqual(
      builtIn.decide(token({ ruleId: 'env.home-path', kind: 'home-path', category: 'environment' })),
      {
        action: 'audit',
        because: GIVEN_AS_CREDENTIAL,
      },
    );
    // The same secret anywhere else takes the category's stand-in.
    assert.deepEqual(builtIn.decide(token({ role: 'metadata' })), {
      action: 'redact',
      because: 'categories.secret',
    });
    // A private key is refused there too (kinds outrank the built-in level).
    assert.equal(builtIn.decide(token({ kind: 'private-key' })).because, 'kinds.private-key');
    for (const [yaml, expected] of [
      ['categories: { secret: block }', { action: 'block', because: 'categories.secret' }],
      ['categories: { secret: allow }', { action: 'allow', because: 'categories.secret' }],
      ['roles: { credential: block }', { action: 'block', because: 'roles.credential' }],
      ['roles: { credential: { secret: redact } }', { action: 'redact', because: 'roles.credential.secret' }],
      ['rules: { "secret.*": pseudonymize }', { action: 'pseudonymize', because: 'rules."secret.*"' }],
    ] as const) {
      const p = compilePolicy(parsePolicy(`${yaml}\n`, 'p.yaml'), 'p.yaml').forRequest(
        'anthropic',
        undefined,
      );
      assert.deepEqual(p.decide(token()), expected, yaml);
    }
  });

  it("sends a tool server's address as given, unless a category blocks or an entry names the role", () => {
    const host = (over: Partial<DecisionInput> = {}) =>
      f({
        ruleId: 'env.corporate-hostname',
        kind: 'hostname',
        category: 'environment',
        role: 'tool_server',
        ...over,
      });
    const builtIn = defaultPolicy().forRequest('openai', undefined);
    assert.deepEqual(builtIn.decide(host()), { action: 'audit', because: GIVEN_TO_TOOL_SERVER });
    assert.deepEqual(
      builtIn.decide(host({ ruleId: 'secret.github-token', kind: 'github-token', category: 'secret' })),
      {
        action: 'audit',
        because: GIVEN_TO_TOOL_SERVER,
      },
    );
    assert.deepEqual(builtIn.decide(host({ role: 'tool_definition' })), {
      action: 'pseudonymize',
      because: 'categories.environment',
    });
    // Every role sent as given has its reason, the role's entry named in it.
    for (const role of GIVEN_ROLES) {
      const d = builtIn.decide(host({ role }));
      assert.equal(d.action, 'audit', role);
      assert.ok(d.because.startsWith('built-in: ') && d.because.includes(`roles.${role}`), d.because);
    }
    for (const [yaml, expected] of [
      ['categories: { environment: block }', { action: 'block', because: 'categories.environment' }],
      ['roles: { tool_server: block }', { action: 'block', because: 'roles.tool_server' }],
      [
        'roles: { tool_server: { environment: block } }',
        { action: 'block', because: 'roles.tool_server.environment' },
      ],
      [
        'roles: { tool_server: { environment: pseudonymize } }',
        { action: 'pseudonymize', because: 'roles.tool_server.environment' },
      ],
      // A credential's entry is not a tool server's.
      ['roles: { credential: block }', { action: 'audit', because: GIVEN_TO_TOOL_SERVER }],
    ] as const) {
      const p = compilePolicy(parsePolicy(`${yaml}\n`, 'p.yaml'), 'p.yaml').forRequest('openai', undefined);
      assert.deepEqual(p.decide(host()), expected, yaml);
    }
  });

  it('allow-lists values, drops headers by glob and reduces user agents', () => {
    const p = compilePolicy(
      parsePolicy('allow_values: ["localhost", "*.example.org"]\n', 'p.yaml'),
      'p.yaml',
    );
    assert.ok(p.isAllowedValue('localhost'));
    assert.ok(p.isAllowedValue('ci.example.org'));
    assert.ok(!p.isAllowedValue('example.org.evil'));
    assert.ok(p.dropsHeader('x-stainless-os'));
    assert.ok(!p.dropsHeader('x-api-key'));
    assert.equal(p.userAgent('claude-cli/2.0.14 (external, cli)'), 'claude-cli/2.0.14 (external, cli)');
    assert.equal(p.userAgent('GeminiCLI/0.1.5 (darwin; arm64) gl-node/v20.11.1'), 'GeminiCLI/0.1.5');
    assert.equal(
      reduceUserAgent('codex_cli_rs/0.46.0 (Mac OS 15.6.1; arm64) iTerm.app/3.6.1'),
      'codex_cli_rs/0.46.0 iTerm.app/3.6.1',
    );
    assert.equal(reduceUserAgent('OpenAI/JS 6.1.0'), 'OpenAI/JS 6.1.0');
    const keep = compilePolicy(parsePolicy('headers: { user_agent: keep }\n', 'p.yaml'), 'p.yaml');
    assert.equal(keep.userAgent('GeminiCLI/0.1.5 (darwin; arm64)'), 'GeminiCLI/0.1.5 (darwin; arm64)');
  });
});

describe('airlock policy (CLI functions)', () => {
  it('init writes the default, check accepts it, and refuses to overwrite', async () => {
    const file = await tempFile('policy.yaml', '');
    await rm(file);
    assert.equal(runPolicyInit(file).exitCode, 0);
    assert.equal(await readFile(file, 'utf8'), DEFAULT_POLICY_YAML);
    assert.equal(runPolicyInit(file).exitCode, 2);
    const check = runPolicyCheck(file);
    assert.equal(check.exitCode, 0, check.stderr);
    assert.match(check.stdout, /valid/);
    assert.equal(loadPolicy(file).fingerprint, defaultPolicy().fingerprint);
  });

  it('check exits 1 and prints each problem with line and column', async () => {
    const file = await tempFile('bad.yaml', 'mode: enforce\non_error: maybe\n');
    const r = runPolicyCheck(file);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: on_error: `));
  });

  it('check exits 1 for an alias bomb and a second document, naming file, line and column', async () => {
    const bomb = await tempFile('bomb.yaml', ALIAS_BOMB);
    const r = runPolicyCheck(bomb);
    assert.equal(r.exitCode, 1);
    assert.equal(
      r.stderr,
      `${bomb}:4:8: aliases expand to too much data here (refused as a possible "alias bomb")\n`,
    );
    const two = await tempFile('two.yaml', 'mode: enforce\n---\nmode: monitor\n');
    const t = runPolicyCheck(two);
    assert.equal(t.exitCode, 1);
    assert.equal(t.stderr, `${two}:2:1: the file must hold one YAML document; found a second one here\n`);
  });

  it('registers policy check/init/schema on a commander program', async () => {
    const program = new Command('airlock').exitOverride();
    registerPolicyCommand(program);
    const dir = await tempFile('x.yaml', 'mode: bogus\n');
    const saved = process.exitCode;
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      await program.parseAsync(['policy', 'check', dir], { from: 'user' });
      assert.equal(process.exitCode, 1);
    } finally {
      process.stderr.write = original;
      process.exitCode = saved;
    }
    assert.match(writes.join(''), /x\.yaml:1:\d+: mode: /);
  });

  it('check exits 2 for a file it cannot read (missing, a folder): an input error, not an invalid policy', async () => {
    const file = await tempFile('gone.yaml', 'mode: enforce\n');
    await rm(file);
    const missing = runPolicyCheck(file);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /gone\.yaml: cannot read policy file: ENOENT/);
    const folder = runPolicyCheck(join(file, '..'));
    assert.equal(folder.exitCode, 2);
    assert.match(folder.stderr, /cannot read policy file: EISDIR/);
  });

  it('check warns, with the line, about default keys, which no finding reaches; init writes none', async () => {
    const file = await tempFile(
      'default.yaml',
      'mode: enforce\ndefault: block\nscopes:\n  - match: { provider: [gemini] }\n    default: block\n',
    );
    const r = runPolicyCheck(file);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /valid/);
    const warnings = r.stderr.trim().split('\n');
    assert.equal(warnings.length, 2, r.stderr);
    assert.match(
      warnings[0]!,
      /default\.yaml:2:1: default: warning: has no effect: every category has an action/,
    );
    assert.match(warnings[1]!, /default\.yaml:5:5: scopes\.0\.default: warning: has no effect/);
    const init = await tempFile('init.yaml', DEFAULT_POLICY_YAML);
    assert.equal(runPolicyCheck(init).stderr, '');
  });

  it('check runs the custom rules and their samples', async () => {
    const rule = (tp: string) =>
      [
        'custom_rules:',
        '  - id: acme.ticket',
        '    category: pii',
        '    kind: opaque-id',
        "    pattern: 'ACME-\\d{6}'",
        '    keywords: [ACME-]',
        `    samples: { tp: ["${tp}"], fp: ["ACME-12"] }`,
      ].join('\n');
    const good = runPolicyCheck(await tempFile('good.yaml', rule('see ACME-123456')));
    assert.equal(good.exitCode, 0, good.stderr);
    const bad = runPolicyCheck(await tempFile('bad.yaml', rule('see ACME-12345')));
    assert.equal(bad.exitCode, 1);
    assert.match(
      bad.stderr,
      /bad\.yaml:7:21: custom_rules\.0\.samples\.tp\.0: rule acme\.ticket does not find anything/,
    );
  });

  it('the committed schema/policy.schema.json is up to date', async () => {
    const committed: unknown = JSON.parse(
      await readFile(new URL('../../schema/policy.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(
      committed,
      policyJsonSchema(),
      'regenerate: npx tsx src/policy/json-schema.ts && npx prettier --write schema/policy.schema.json',
    );
    assert.equal(JSON.parse(runPolicySchema().stdout).title, 'Airlock policy');
  });
});
