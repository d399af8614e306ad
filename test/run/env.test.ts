import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildRunEnv,
  CLOUD_BASE_URL_VARS,
  cloudProviderNotice,
  inheritedNoProxy,
  inheritedUpstreamProxy,
  PROXY_VARS,
  TELEMETRY_OPT_OUTS,
} from '../../src/run/env.js';
import { detectAssistant, resolveAssistant } from '../../src/run/profiles.js';
import { codexArgs } from '../../src/run/codex.js';
import { runEgressPolicy } from '../../src/run/run.js';
import { compileEgressPolicy } from '../../src/egress/policy.js';
import { mergeSettings, writeSettingsOverrides, SETTINGS_OPT_OUTS } from '../../src/run/settings.js';
import { signalExitCode } from '../../src/run/spawn.js';

const userEnv = {
  PATH: '/usr/bin',
  HOME: '/home/dev',
  HTTPS_PROXY: 'http://me:pw@proxy.corp:3128',
  NO_PROXY: '.corp.example,10.0.0.0/8,*',
  ANTHROPIC_BASE_URL: 'https://api.anthropic.com',
  GOOGLE_VERTEX_BASE_URL: 'https://vertex.example',
  ANTHROPIC_BEDROCK_BASE_URL: 'https://llm-gateway.corp.example/bedrock',
  ANTHROPIC_FOUNDRY_BASE_URL: 'https://llm-gateway.corp.example/foundry',
  ANTHROPIC_VERTEX_BASE_URL: 'https://llm-gateway.corp.example/vertex',
  TZ: 'Europe/Paris',
  LANGUAGE: 'fr',
};

test('the child environment points every provider at the gateway and every proxy variable at Airlock', () => {
  const env = buildRunEnv({
    base: userEnv,
    gatewayUrl: 'http://127.0.0.1:8789/',
    proxyUrl: 'http://127.0.0.1:40000',
    neutral: false,
  });
  assert.equal(env.ANTHROPIC_BASE_URL, 'http://127.0.0.1:8789/anthropic');
  assert.equal(env.OPENAI_BASE_URL, 'http://127.0.0.1:8789/openai/v1');
  assert.equal(env.GOOGLE_GEMINI_BASE_URL, 'http://127.0.0.1:8789/gemini');
  for (const name of CLOUD_BASE_URL_VARS) assert.equal(env[name], undefined, name);
  for (const name of PROXY_VARS) assert.equal(env[name], 'http://127.0.0.1:40000', name);
  assert.equal(env.NO_PROXY, '127.0.0.1,localhost,::1');
  assert.equal(env.no_proxy, '127.0.0.1,localhost,::1');
  for (const [name, value] of Object.entries(TELEMETRY_OPT_OUTS)) assert.equal(env[name], value, name);
  assert.equal(env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1');
  assert.equal(env.GEMINI_TELEMETRY_ENABLED, 'false');
  assert.equal(env.TZ, 'Europe/Paris', 'not neutral: time zone kept');
  assert.equal(env.PATH, '/usr/bin');
  assert.ok(!JSON.stringify(env).includes('me:pw'), 'the user proxy credentials do not reach the child');
  assert.equal(userEnv.ANTHROPIC_BASE_URL, 'https://api.anthropic.com', 'input not mutated');
});

test('a cloud provider switch is named in a notice; off, empty, 0 and false are not switches', () => {
  assert.equal(cloudProviderNotice({}), undefined);
  for (const off of ['', '0', 'false', 'FALSE', ' ']) {
    assert.equal(cloudProviderNotice({ CLAUDE_CODE_USE_VERTEX: off }), undefined, JSON.stringify(off));
  }
  const notice = cloudProviderNotice({ CLAUDE_CODE_USE_FOUNDRY: '1', GOOGLE_GENAI_USE_VERTEXAI: 'true' });
  assert.match(notice ?? '', /CLAUDE_CODE_USE_FOUNDRY is set: Claude Code calls Microsoft Foundry/);
  assert.match(notice ?? '', /GOOGLE_GENAI_USE_VERTEXAI is set: Gemini CLI calls Vertex AI/);
  assert.match(notice ?? '', /unset the variable/);
});

test('--neutral-env gives UTC and the C.UTF-8 locale', () => {
  const env = buildRunEnv({
    base: userEnv,
    gatewayUrl: 'http://g',
    proxyUrl: 'http://p',
    neutral: true,
    extra: { X: '1' },
  });
  assert.deepEqual(
    [env.TZ, env.LANG, env.LC_ALL, env.LANGUAGE, env.X],
    ['UTC', 'C.UTF-8', 'C.UTF-8', undefined, '1'],
  );
});

test('the user proxy becomes the upstream; NO_PROXY entries become bypasses', () => {
  assert.equal(inheritedUpstreamProxy(userEnv), 'http://me:pw@proxy.corp:3128');
  assert.equal(inheritedUpstreamProxy({ https_proxy: 'proxy.corp:8080' }), 'proxy.corp:8080');
  assert.equal(inheritedUpstreamProxy({ ALL_PROXY: 'socks5://x:1' }), undefined);
  assert.equal(inheritedUpstreamProxy({}), undefined);
  assert.deepEqual(inheritedNoProxy(userEnv), ['.corp.example', '10.0.0.0/8']);
});

test("every tool's own proxy variable points at Airlock too; its no-proxy list at loopback only", () => {
  const corp = 'http://dev:Corp-Secret-9@proxy.corp:3128';
  const env = buildRunEnv({
    base: {
      PATH: '/usr/bin',
      npm_config_https_proxy: corp,
      NPM_CONFIG_PROXY: corp,
      npm_config_HTTP_PROXY: corp,
      npm_config_noproxy: '*',
      YARN_HTTPS_PROXY: corp,
      YARN_HTTP_PROXY: corp,
      GLOBAL_AGENT_HTTP_PROXY: corp,
      GLOBAL_AGENT_HTTPS_PROXY: corp,
      GLOBAL_AGENT_NO_PROXY: '*',
      FTP_PROXY: corp,
      ftp_proxy: corp,
      RSYNC_PROXY: 'proxy.corp:3128',
      proxy: corp,
      ELECTRON_GET_USE_PROXY: 'true',
      NODE_USE_ENV_PROXY: '0',
      PROXY_SETTINGS_NOTE: 'not a proxy variable',
    },
    gatewayUrl: 'http://127.0.0.1:8789',
    proxyUrl: 'http://127.0.0.1:40000',
    neutral: false,
  });
  for (const name of [
    'npm_config_https_proxy',
    'NPM_CONFIG_PROXY',
    'npm_config_HTTP_PROXY',
    'YARN_HTTPS_PROXY',
    'YARN_HTTP_PROXY',
    'GLOBAL_AGENT_HTTP_PROXY',
    'GLOBAL_AGENT_HTTPS_PROXY',
    'FTP_PROXY',
    'ftp_proxy',
    'RSYNC_PROXY',
    'proxy',
    // Set even when the user had none: npm would take them from an .npmrc.
    'npm_config_proxy',
  ]) {
    assert.equal(env[name], 'http://127.0.0.1:40000', name);
  }
  for (const name of ['npm_config_noproxy', 'GLOBAL_AGENT_NO_PROXY'])
    assert.equal(env[name], '127.0.0.1,localhost,::1', name);
  assert.equal(env.ELECTRON_GET_USE_PROXY, 'true', 'a flag, not an address');
  assert.equal(env.NODE_USE_ENV_PROXY, '1');
  assert.equal(env.PROXY_SETTINGS_NOTE, 'not a proxy variable');
  assert.doesNotMatch(JSON.stringify(env), /Corp-Secret-9|proxy\.corp/);
});

test('a proxy the user set only for a tool becomes the upstream; the standard variables come first', () => {
  assert.equal(
    inheritedUpstreamProxy({
      npm_config_https_proxy: 'http://u:p@npm.corp:1',
      YARN_HTTP_PROXY: 'http://y:2',
    }),
    'http://u:p@npm.corp:1',
  );
  assert.equal(
    inheritedUpstreamProxy({ HTTP_PROXY: 'http://std:3', npm_config_https_proxy: 'http://npm.corp:1' }),
    'http://std:3',
  );
  // npm's "no proxy" and scheme-less values of other tools are not proxy URLs.
  assert.equal(inheritedUpstreamProxy({ npm_config_proxy: 'false', RSYNC_PROXY: 'r.corp:3128' }), undefined);
});

test('an inherited proxy Airlock cannot use is named, with what is wrong and without its credentials', () => {
  assert.equal(inheritedUpstreamProxy({ HTTPS_PROXY: 'SOCKS5://s3cret@socks.corp:1080' }), undefined);
  assert.equal(inheritedUpstreamProxy({ all_proxy: 'socks5h://socks.corp:1080' }), undefined);
  for (const [name, value, why] of [
    ['HTTPS_PROXY', 'https://u:s3cret@127.0.0.1:1', /must be http:\/\/ \(got https:\)/],
    ['https_proxy', 'http://u:s3cret@[bad', /not a URL/],
    ['HTTP_PROXY', 'ftp://u:s3cret@proxy.corp:21', /must be http:\/\//],
    ['npm_config_https_proxy', 'https://u:s3cret@npm.corp:1', /must be http:\/\//],
  ] as const) {
    assert.throws(
      () => inheritedUpstreamProxy({ [name]: value }),
      (err: Error) => {
        assert.ok(err.message.startsWith(`${name} `), err.message);
        assert.match(err.message, why);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
      name,
    );
  }
});

test('assistant detection, direct and through launchers', () => {
  assert.deepEqual(detectAssistant('/usr/local/bin/claude', []), { assistant: 'claude', argsAt: 0 });
  assert.deepEqual(detectAssistant('codex', ['exec', 'hi']), { assistant: 'codex', argsAt: 0 });
  assert.deepEqual(detectAssistant('npx', ['-y', '@openai/codex@latest', 'exec']), {
    assistant: 'codex',
    argsAt: 2,
  });
  assert.deepEqual(detectAssistant('node', ['/x/node_modules/@google/gemini-cli/bundle/gemini.js']), {
    assistant: 'gemini',
    argsAt: 1,
  });
  assert.deepEqual(detectAssistant('bash', ['-c', 'codex']), { assistant: 'generic', argsAt: 0 });
  assert.deepEqual(resolveAssistant('codex', 'my-wrapper', ['x']), { assistant: 'codex', argsAt: 0 });
  assert.deepEqual(resolveAssistant('auto', 'qwen', []), { assistant: 'qwen', argsAt: 0 });
});

test('Codex gets a model provider at the gateway and its opt-outs as -c overrides', () => {
  const args = codexArgs('http://127.0.0.1:9/', { OPENAI_API_KEY: 'sk-x' });
  const overrides = args.filter((_, i) => i % 2 === 1);
  assert.ok(args.filter((_, i) => i % 2 === 0).every((a) => a === '-c'));
  assert.ok(overrides.includes('model_provider="airlock"'));
  assert.ok(overrides.includes('model_providers.airlock.base_url="http://127.0.0.1:9/openai/v1"'));
  assert.ok(overrides.includes('model_providers.airlock.env_key="OPENAI_API_KEY"'));
  assert.ok(overrides.includes('model_providers.airlock.supports_websockets=false'));
  assert.ok(overrides.includes('analytics.enabled=false'));
  assert.ok(overrides.includes('check_for_update_on_startup=false'));
  assert.ok(overrides.includes('features.plugins=false'));
  assert.ok(!overrides.some((o) => o.includes('sk-x')), 'the key itself is never an argument');
  assert.ok(codexArgs('http://g', {}).includes('model_providers.airlock.requires_openai_auth=true'));
});

test('the run policy always lets the gateway through, also in strict mode', () => {
  const strict = compileEgressPolicy(
    runEgressPolicy({ allow: ['registry.npmjs.org'] }, 'http://127.0.0.1:8789', true),
  );
  assert.equal(strict.decide('127.0.0.1', 8789).allow, true);
  assert.equal(strict.decide('127.0.0.1', 8790).allow, false);
  assert.equal(strict.decide('registry.npmjs.org', 443).allow, true);
  const v6 = compileEgressPolicy(runEgressPolicy(undefined, 'http://[::1]:5000', true));
  assert.equal(v6.decide('::1', 5000).allow, true);
  assert.equal(
    compileEgressPolicy(runEgressPolicy(undefined, 'http://127.0.0.1:1', false)).profile,
    'default',
  );
});

test('settings overrides merge into the machine system settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-settings-'));
  const existing = join(dir, 'existing.json');
  writeFileSync(
    existing,
    JSON.stringify({ general: { vimMode: true }, privacy: { usageStatisticsEnabled: true } }),
  );
  const vars = writeSettingsOverrides(join(dir, 'out'), { QWEN_CODE_SYSTEM_SETTINGS_PATH: existing });
  const qwen = JSON.parse(
    readFileSync(vars.QWEN_CODE_SYSTEM_SETTINGS_PATH!, 'utf8'),
  ) as typeof SETTINGS_OPT_OUTS & { general: { vimMode: boolean } };
  assert.equal(qwen.general.vimMode, true);
  assert.equal(qwen.general.enableAutoUpdate, false);
  assert.equal(qwen.privacy.usageStatisticsEnabled, false);
  assert.deepEqual(
    Object.keys(vars),
    ['QWEN_CODE_SYSTEM_SETTINGS_PATH'],
    'no Gemini file: Gemini CLI rejects non-root ones',
  );
  assert.deepEqual(mergeSettings({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: 3 }, d: [2] }), {
    a: { b: 3, c: 2 },
    d: [2],
  });
});

test('signal exit codes follow the shell convention', () => {
  assert.equal(signalExitCode('SIGINT'), 130);
  assert.equal(signalExitCode('SIGTERM'), 143);
  assert.equal(signalExitCode('SIGKILL'), 137);
});

test('an in-process gateway uses the inherited proxy only when an upstream is remote', async () => {
  const { gatewayUpstreamProxy } = await import('../../src/run/gateway.js');
  const { configSchema } = await import('../../src/config/schema.js');
  const remote = configSchema.parse({});
  const local = configSchema.parse({
    upstreams: { anthropic: 'http://127.0.0.1:1', openai: 'http://localhost:2', gemini: 'http://[::1]:3' },
  });
  assert.equal(gatewayUpstreamProxy(remote, 'http://corp:3128'), 'http://corp:3128');
  assert.equal(gatewayUpstreamProxy(local, 'http://corp:3128'), undefined);
  assert.equal(
    gatewayUpstreamProxy({ ...local, upstream_proxy: 'http://cfg:1' }, 'http://corp:3128'),
    'http://cfg:1',
  );
  assert.equal(gatewayUpstreamProxy(remote, undefined), undefined);
});
