/**
 * The environment `airlock run` gives the wrapped command: every provider's base URL at the
 * gateway, every proxy variable at the forward proxy, loopback exempt, and each assistant's
 * documented telemetry opt-outs. A pure function of its inputs, so tests can read it whole.
 *
 * Sources for the variable names (checked in the published packages, see docs/egress.md):
 * - Claude Code: ANTHROPIC_BASE_URL, DISABLE_TELEMETRY, DISABLE_ERROR_REPORTING,
 *   DISABLE_AUTOUPDATER, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, DISABLE_BUG_COMMAND,
 *   CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY, DISABLE_GROWTHBOOK (feature-flag fetches).
 * - Codex CLI: reads no base-URL variable for its built-in provider: see codex.ts.
 * - Gemini CLI and @google/genai: GOOGLE_GEMINI_BASE_URL; GEMINI_TELEMETRY_ENABLED (OTel); its
 *   Clearcut usage statistics have no variable (see settings.ts): the proxy refuses them.
 * - Qwen Code: OPENAI_BASE_URL; QWEN_TELEMETRY_ENABLED; QWEN_CODE_SYSTEM_SETTINGS_PATH.
 * - Everyone: DO_NOT_TRACK=1 (the cross-tool convention).
 */
import { describeProxyUrl, parseUpstreamProxy } from '../egress/upstream.js';

export interface RunEnvInput {
  /** The environment airlock itself runs in. */
  base: NodeJS.ProcessEnv;
  /** Gateway origin, e.g. `http://127.0.0.1:8789` (no trailing slash). */
  gatewayUrl: string;
  /** Forward proxy URL, e.g. `http://127.0.0.1:40123`. */
  proxyUrl: string;
  neutral: boolean;
  /** Extra variables (settings-file paths) computed by the caller. */
  extra?: Record<string, string>;
}

/**
 * Set whether or not the user had them: every spelling of the proxy variables that clients read
 * (curl, Node, Go, Rust, Python, Bun), and npm's, which would otherwise come from an .npmrc
 * (npm takes its environment over its files).
 */
export const PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
  'npm_config_proxy',
  'npm_config_https_proxy',
] as const;
export const NO_PROXY_VARS = ['NO_PROXY', 'no_proxy', 'npm_config_noproxy'] as const;
export const LOOPBACK_NO_PROXY = '127.0.0.1,localhost,::1';

/** The standard variables, in the order the user's own proxy is looked for in them: HTTPS first. */
const UPSTREAM_VARS = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * Which of the user's variables name a proxy: `proxy` or a name ending in `_proxy`, any case —
 * the standard ones and each tool's own (npm_config_https_proxy, YARN_HTTPS_PROXY,
 * GLOBAL_AGENT_HTTP_PROXY, FTP_PROXY, RSYNC_PROXY, PIP_PROXY, ...). Left as the user set them
 * they would take those tools around the egress proxy, with the user's proxy credentials.
 * `no_proxy`: a list of hosts that skip the proxy (NO_PROXY, npm_config_noproxy,
 * GLOBAL_AGENT_NO_PROXY). Flags such as NODE_USE_ENV_PROXY or ELECTRON_GET_USE_PROXY are neither.
 */
export function proxyVariableKind(name: string): 'proxy' | 'no_proxy' | undefined {
  if (/(?:^|_)use_(?:env_)?proxy$/i.test(name)) return undefined;
  if (/(?:^|_)no_?proxy$/i.test(name)) return 'no_proxy';
  return /(?:^|_)proxy$/i.test(name) ? 'proxy' : undefined;
}

export const TELEMETRY_OPT_OUTS: Readonly<Record<string, string>> = Object.freeze({
  // Claude Code
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_BUG_COMMAND: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
  DISABLE_GROWTHBOOK: '1',
  // Gemini CLI
  GEMINI_TELEMETRY_ENABLED: 'false',
  // Qwen Code
  QWEN_TELEMETRY_ENABLED: 'false',
  // Generic convention (consoledonottrack.com), read by many CLIs.
  DO_NOT_TRACK: '1',
});

/** Airlock cannot chain to a SOCKS proxy: such a variable is left out, as if unset. */
const SOCKS = /^socks[a-z0-9]*:\/\//i;

/**
 * The user's own outbound proxy (it becomes Airlock's upstream), credentials included: from the
 * standard variables, else from a tool's own one (only an explicit URL there: npm_config_proxy
 * may say `false`). Throws, naming the variable, for one Airlock cannot use (an https:// or
 * malformed URL): connecting straight instead could be refused by the network, or go where the
 * user did not mean; the message never holds the URL's credentials.
 */
export function inheritedUpstreamProxy(env: NodeJS.ProcessEnv): string | undefined {
  const toolVars = Object.keys(env)
    .filter((name) => !UPSTREAM_VARS.includes(name) && proxyVariableKind(name) === 'proxy')
    .filter((name) => /^[a-z][a-z0-9+.-]*:\/\//i.test(env[name] ?? ''))
    // HTTPS ones first, as with the standard variables.
    .sort((a, b) => Number(!/https/i.test(a)) - Number(!/https/i.test(b)) || a.localeCompare(b));
  for (const name of [...UPSTREAM_VARS, ...toolVars]) {
    const value = env[name];
    if (!value || SOCKS.test(value)) continue;
    try {
      parseUpstreamProxy(value);
    } catch (err) {
      throw new Error(
        `${name} (${describeProxyUrl(value)}) cannot be Airlock's outbound proxy: ${(err as Error).message}; unset it, or set upstream_proxy in the config`,
      );
    }
    return value;
  }
  return undefined;
}

/** The user's NO_PROXY entries, so their internal hosts keep bypassing the corporate proxy. */
export function inheritedNoProxy(env: NodeJS.ProcessEnv): string[] {
  const value = env.NO_PROXY ?? env.no_proxy ?? '';
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '*');
}

/**
 * Base URLs of the cloud providers' model APIs (Claude Code 2.1.332, Gemini CLI): left in place,
 * one would send model traffic to a host of the user's choosing around the gateway. Without them
 * a tool that still chooses that cloud calls its public host, which `@model-apis` refuses.
 */
export const CLOUD_BASE_URL_VARS = [
  'GOOGLE_VERTEX_BASE_URL',
  'ANTHROPIC_VERTEX_BASE_URL',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'ANTHROPIC_BEDROCK_MANTLE_BASE_URL',
  'ANTHROPIC_FOUNDRY_BASE_URL',
  'ANTHROPIC_AWS_BASE_URL',
  'ANTHROPIC_GOOGLE_CLOUD_BASE_URL',
] as const;

/** Switches that make an assistant call a cloud provider's API, which the gateway does not speak. */
const CLOUD_SWITCHES: Record<string, string> = {
  CLAUDE_CODE_USE_BEDROCK: 'Claude Code calls Amazon Bedrock',
  CLAUDE_CODE_USE_MANTLE: "Claude Code calls Amazon Bedrock's compatible APIs",
  CLAUDE_CODE_USE_VERTEX: 'Claude Code calls Vertex AI',
  CLAUDE_CODE_USE_FOUNDRY: 'Claude Code calls Microsoft Foundry',
  CLAUDE_CODE_USE_ANTHROPIC_AWS: 'Claude Code calls Claude Platform on AWS',
  CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD: 'Claude Code calls Claude on Google Cloud',
  GOOGLE_GENAI_USE_VERTEXAI: 'Gemini CLI calls Vertex AI',
};

/**
 * What to tell the user before the command starts when their environment picks a cloud provider:
 * those calls go straight to the provider's host, which the egress proxy refuses (the gateway
 * speaks the Anthropic, OpenAI and Gemini APIs; a Bedrock or Vertex request is signed for its
 * cloud and could not be pseudonymized). Undefined when none is set.
 */
export function cloudProviderNotice(env: NodeJS.ProcessEnv): string | undefined {
  const set = Object.keys(CLOUD_SWITCHES).filter((name) => {
    const value = env[name]?.trim().toLowerCase();
    return value !== undefined && value !== '' && value !== '0' && value !== 'false';
  });
  if (set.length === 0) return undefined;
  const what = set.map((name) => `${name} is set: ${CLOUD_SWITCHES[name]}`).join('; ');
  return (
    `airlock: ${what}. The egress proxy refuses those hosts (built-in @model-apis): ` +
    'unset the variable to send model calls through the gateway instead.\n'
  );
}

export function buildRunEnv(input: RunEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...input.base };
  const gw = input.gatewayUrl.replace(/\/+$/, '');
  env.ANTHROPIC_BASE_URL = `${gw}/anthropic`;
  env.OPENAI_BASE_URL = `${gw}/openai/v1`;
  env.GOOGLE_GEMINI_BASE_URL = `${gw}/gemini`;
  for (const name of CLOUD_BASE_URL_VARS) delete env[name];
  for (const name of Object.keys(env)) {
    const kind = proxyVariableKind(name);
    if (kind === 'proxy') env[name] = input.proxyUrl;
    else if (kind === 'no_proxy') env[name] = LOOPBACK_NO_PROXY;
  }
  for (const name of PROXY_VARS) env[name] = input.proxyUrl;
  for (const name of NO_PROXY_VARS) env[name] = LOOPBACK_NO_PROXY;
  // Node >= 24 built-in fetch honours the proxy variables only with this set.
  env.NODE_USE_ENV_PROXY = '1';
  Object.assign(env, TELEMETRY_OPT_OUTS);
  env.AIRLOCK_GATEWAY_URL = gw;
  env.AIRLOCK_PROXY_URL = input.proxyUrl;
  if (input.neutral) {
    env.TZ = 'UTC';
    env.LANG = 'C.UTF-8';
    env.LC_ALL = 'C.UTF-8';
    // GNU gettext reads LANGUAGE before LC_ALL for messages.
    delete env.LANGUAGE;
  }
  Object.assign(env, input.extra ?? {});
  return env;
}
