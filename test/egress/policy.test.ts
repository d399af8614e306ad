import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEgressPolicy, egressPolicySchema } from '../../src/egress/policy.js';
import { parseAuthority, parseHostPattern } from '../../src/egress/host-pattern.js';

test('default profile refuses the model APIs and telemetry, allows the rest', () => {
  const p = compileEgressPolicy();
  for (const host of [
    'api.anthropic.com',
    'api.openai.com',
    'generativelanguage.googleapis.com',
    'dashscope.aliyuncs.com',
  ]) {
    const d = p.decide(host, 443);
    assert.equal(d.allow, false, host);
    assert.match(d.rule, /built-in @model-apis/);
  }
  const vertex = p.decide('us-central1-aiplatform.googleapis.com', 443);
  assert.equal(vertex.allow, false);
  assert.match(vertex.rule, /\*-aiplatform\.googleapis\.com/);
  const sentry = p.decide('o1234.ingest.sentry.io', 443);
  assert.equal(sentry.allow, false);
  assert.match(sentry.rule, /@telemetry \(\*\.sentry\.io\)/);
  assert.equal(p.decide('play.googleapis.com', 443).allow, false);
  assert.equal(p.decide('gb4w8c3ygj-default-sea.rum.aliyuncs.com', 443).allow, false);
  const npm = p.decide('registry.npmjs.org', 443);
  assert.deepEqual(npm, { allow: true, rule: 'profile default: not listed, allowed' });
  // The apex of a `*.x` rule is not matched by it.
  assert.equal(p.decide('rum.aliyuncs.com', 443).allow, true);
});

test('strict profile refuses everything not allowed; more specific rules win', () => {
  const p = compileEgressPolicy({
    profile: 'strict',
    allow: ['registry.npmjs.org', '*.github.com:443', '*.googleapis.com'],
    deny: ['evil.github.com'],
  });
  assert.equal(p.decide('registry.npmjs.org', 443).allow, true);
  assert.equal(p.decide('api.github.com', 443).allow, true);
  assert.equal(p.decide('api.github.com', 80).allow, false, 'port-bound rule');
  assert.match(p.decide('api.github.com', 80).rule, /profile strict/);
  const evil = p.decide('evil.github.com', 443);
  assert.equal(evil.allow, false);
  assert.equal(evil.rule, 'egress.deny[0] "evil.github.com"');
  assert.equal(p.decide('storage.googleapis.com', 443).allow, true);
  // A broad user allow does not beat a built-in exact refusal...
  assert.equal(p.decide('generativelanguage.googleapis.com', 443).allow, false);
  assert.equal(p.decide('example.org', 443).allow, false);
});

test('an explicit allow of the same host overrides the built-in refusal; deny beats allow on a tie', () => {
  const p = compileEgressPolicy({ allow: ['api.anthropic.com', 'x.example.com'], deny: ['x.example.com'] });
  assert.deepEqual(p.decide('api.anthropic.com', 443), {
    allow: true,
    rule: 'egress.allow[0] "api.anthropic.com"',
  });
  assert.equal(p.decide('x.example.com', 443).allow, false);
  assert.equal(compileEgressPolicy({ allow: ['*'] }).decide('api.openai.com', 443).allow, false);
  assert.equal(compileEgressPolicy({ deny: ['*'] }).decide('example.org', 80).allow, false);
});

test('groups, ports and IPv6 in patterns', () => {
  const p = compileEgressPolicy({
    profile: 'strict',
    allow: ['@telemetry-codex', '[::1]:8080', '127.0.0.1:*'],
  });
  assert.match(
    p.decide('ab.chatgpt.com', 443).rule,
    /egress.allow\[0\] "@telemetry-codex" \(ab\.chatgpt\.com\)/,
  );
  assert.equal(p.decide('::1', 8080).allow, true);
  assert.equal(p.decide('::1', 8081).allow, false);
  assert.equal(p.decide('127.0.0.1', 9).allow, true);
  assert.equal(p.decide('API.ANTHROPIC.COM.', 443).allow, false, 'case and trailing dot are normalized');
});

test('the schema lists every bad rule', () => {
  const r = egressPolicySchema.safeParse({
    allow: ['*.', 'a:99999', '@nope'],
    deny: ['exa mple.com'],
    profile: 'lax',
  });
  assert.equal(r.success, false);
  assert.equal(r.error?.issues.length, 5);
  assert.throws(() => compileEgressPolicy({ allow: ['foo:bar:baz'] }));
  assert.throws(() => egressPolicySchema.parse({ allow: [], extra: 1 }));
});

test('authority-form targets', () => {
  assert.deepEqual(parseAuthority('Example.COM:443'), { host: 'example.com', port: 443 });
  assert.deepEqual(parseAuthority('[::1]:8080'), { host: '::1', port: 8080 });
  for (const bad of [
    'example.com',
    ':443',
    'example.com:0',
    'example.com:65536',
    'a b:1',
    'user:pw@host:443',
    '::1:80',
    '[::1',
    'x'.repeat(400) + ':1',
    'ex_ample..com:443',
  ]) {
    assert.equal(parseAuthority(bad), undefined, bad);
  }
  assert.equal(parseHostPattern('*-aiplatform.googleapis.com').kind, 'suffix');
  assert.throws(() => parseHostPattern('foo.*.com'));
});
