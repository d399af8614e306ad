import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEgressPolicy, egressPolicySchema } from '../../src/egress/policy.js';
import { matches, parseAuthority, parseHostPattern } from '../../src/egress/host-pattern.js';

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
    explicit: true,
  });
  assert.equal(p.decide('x.example.com', 443).allow, false);
  // Only a host named exactly, not through a wildcard or a group, is an explicit allow.
  const wide = compileEgressPolicy({ allow: ['*.example.org', '@telemetry-codex'] });
  assert.equal(wide.decide('a.example.org', 443).explicit, undefined);
  assert.deepEqual(wide.decide('ab.chatgpt.com', 443), {
    allow: true,
    rule: 'egress.allow[1] "@telemetry-codex" (ab.chatgpt.com)',
  });
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
});

test('a "*" after the first label stands for exactly one label', () => {
  const p = parseHostPattern('Bedrock-Runtime.*.amazonaws.com');
  assert.equal(p.kind, 'labels');
  const at = (host: string): boolean => matches(p, { host, port: 443 });
  assert.equal(at('bedrock-runtime.us-east-1.amazonaws.com'), true);
  assert.equal(at('bedrock-runtime.eu-central-2.amazonaws.com'), true);
  assert.equal(at('bedrock-runtime.amazonaws.com'), false);
  assert.equal(at('bedrock-runtime.a.b.amazonaws.com'), false);
  assert.equal(at('x.bedrock-runtime.us-east-1.amazonaws.com'), false);
  assert.equal(at('bedrock-runtime.us-east-1.amazonaws.com.evil.example'), false);
  assert.equal(at('bedrock.us-east-1.amazonaws.com'), false);
  assert.equal(matches(parseHostPattern('api.*.example:8443'), { host: 'api.eu.example', port: 443 }), false);
  assert.equal(matches(parseHostPattern('a.*.*.d'), { host: 'a.b.c.d', port: 1 }), true);
  // No IP address is matched by one: the last label must be a name's (`10.*.*.*` is refused).
  for (const bad of [
    'foo.*x.com',
    'foo.x*.com',
    'foo..*.com',
    '*.foo.*.com',
    'foo.*.1',
    'a b.*.com',
    '10.*.*.*',
    'api.openai.*',
  ]) {
    assert.throws(() => parseHostPattern(bad), /one whole label|wildcard|not/, bad);
  }
});

test('a one-label wildcard ranks by its literal characters: a longer suffix or an exact host beats it', () => {
  const policy = compileEgressPolicy({
    deny: ['bedrock-runtime.*.amazonaws.com'],
    allow: ['*.amazonaws.com', 'bedrock-runtime.us-west-2.amazonaws.com'],
  });
  assert.equal(policy.decide('bedrock-runtime.us-east-1.amazonaws.com', 443).allow, false);
  assert.equal(policy.decide('s3.us-east-1.amazonaws.com', 443).allow, true);
  assert.equal(policy.decide('bedrock-runtime.us-west-2.amazonaws.com', 443).allow, true);
  assert.match(
    policy.decide('bedrock-runtime.us-east-1.amazonaws.com', 443).rule,
    /egress\.deny\[0\] "bedrock-runtime\.\*\.amazonaws\.com"/,
  );
});

test('an IP address is one address however it is spelled: destinations, patterns, decide()', () => {
  // What getaddrinfo / inet_aton (node:net's dial of a non-IP host) and IPv6 read as 127.0.0.1 / ::1.
  for (const spelling of [
    '127.0.0.1',
    '127.1',
    '2130706433',
    '0x7f.0.0.1',
    '0x7F000001',
    '0177.0.0.1',
    '127.000.000.001',
    '127.0.0.1.',
    '[::ffff:127.0.0.1]',
    '[::FFFF:7F00:1]',
    '[0:0:0:0:0:ffff:7f00:1]',
  ]) {
    assert.deepEqual(parseAuthority(`${spelling}:22`), { host: '127.0.0.1', port: 22 }, spelling);
  }
  for (const spelling of ['[::1]', '[0::1]', '[0:0:0:0:0:0:0:1]', '[0000::0001]']) {
    assert.deepEqual(parseAuthority(`${spelling}:22`), { host: '::1', port: 22 }, spelling);
  }
  // The unspecified addresses reach this machine's loopback (Linux): they are read as it.
  assert.deepEqual(parseAuthority('0:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseAuthority('[::]:80'), { host: '::1', port: 80 });
  assert.deepEqual(parseAuthority('[2001:DB8:0:0:1:0:0:1]:443'), { host: '2001:db8::1:0:0:1', port: 443 });
  // A numeric last label is an address or nothing (inet_aton refuses it; no TLD is numeric).
  for (const bad of ['1.2.3.256:1', '4294967296:1', '08:1', '1.2.3.4.5:1', 'foo.123:1', '[fe80::1%eth0]:1'])
    assert.equal(parseAuthority(bad), undefined, bad);
  // Names that merely contain digits stay names.
  assert.deepEqual(parseAuthority('1password.com:443'), { host: '1password.com', port: 443 });
  assert.deepEqual(parseAuthority('0x7g.example:443'), { host: '0x7g.example', port: 443 });

  assert.equal(parseHostPattern('[::ffff:10.0.0.5]:22').host, '10.0.0.5');
  assert.equal(parseHostPattern('[0:0::1]').host, '::1');
  assert.equal(parseHostPattern('0x0a.0.0.5').host, '10.0.0.5');
  assert.throws(() => parseHostPattern('10.0.0.256'), /not a valid host/);

  const p = compileEgressPolicy({ deny: ['127.0.0.1:22', '[::1]:22', '[::ffff:10.0.0.5]'] });
  for (const host of ['127.0.0.1', '127.1', '::ffff:127.0.0.1', '::ffff:7f00:1'])
    assert.equal(p.decide(host, 22).allow, false, host);
  for (const host of ['::1', '0::1', '0:0:0:0:0:0:0:1']) assert.equal(p.decide(host, 22).allow, false, host);
  assert.equal(p.decide('10.0.0.5', 443).allow, false, 'a pattern written as IPv4-mapped IPv6');
  assert.equal(p.decide('127.0.0.1', 23).allow, true);
});

test("the cloud providers' model hosts are refused by default, their neighbours are not", () => {
  const policy = compileEgressPolicy({});
  for (const host of [
    'bedrock-runtime.us-east-1.amazonaws.com',
    'bedrock-runtime-fips.us-gov-west-1.amazonaws.com',
    'bedrock-mantle.eu-west-1.api.aws',
    'aws-external-anthropic.us-west-2.api.aws',
    'claude.googleapis.com',
    'my-team.services.ai.azure.com',
    'my-team.cognitiveservices.azure.com',
    'my-team.openai.azure.com',
    'gov.chatgpt.com',
  ]) {
    const decision = policy.decide(host, 443);
    assert.equal(decision.allow, false, host);
    assert.match(decision.rule, /^built-in @model-apis/, host);
  }
  for (const host of [
    's3.us-east-1.amazonaws.com',
    'bedrock.us-east-1.amazonaws.com',
    'login.microsoftonline.com',
  ]) {
    assert.equal(policy.decide(host, 443).allow, true, host);
  }
});
