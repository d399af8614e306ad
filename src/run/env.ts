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

/** Every spelling of the proxy variables that clients read (curl, Node, Go, Rust, Python, Bun). */
export const PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
] as const;
export const NO_PROXY_VARS = ['NO_PROXY', 'no_proxy'] as const;
export const LOOPBACK_NO_PROXY = '127.0.0.1,localhost,::1';

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

/** The user's own outbound proxy (it becomes Airlock's upstream), credentials included. */
export function inheritedUpstreamProxy(env: NodeJS.ProcessEnv): string | undefined {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'HTTP_PROXY', 'http_proxy']) {
    const value = env[name];
    if (value && /^(http:\/\/)?[^/]/i.test(value) && !value.startsWith('socks')) return value;
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

export function buildRunEnv(input: RunEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...input.base };
  const gw = input.gatewayUrl.replace(/\/+$/, '');
  env.ANTHROPIC_BASE_URL = `${gw}/anthropic`;
  env.OPENAI_BASE_URL = `${gw}/openai/v1`;
  env.GOOGLE_GEMINI_BASE_URL = `${gw}/gemini`;
  // A Vertex base URL left over from the user's shell would route Vertex calls around the gateway's
  // routes; the proxy refuses the Vertex hosts anyway, so drop the override rather than keep it.
  delete env.GOOGLE_VERTEX_BASE_URL;
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
