/**
 * `airlock start`: run the gateway in the foreground until SIGINT/SIGTERM. Registered (options,
 * help) in src/cli/register/start.ts, which loads this module and the gateway only when it runs.
 */
import { loadConfig, resolveDataDir } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { startAirlock, type Airlock } from '../../app.js';
import { isLoopback } from '../../egress/ip.js';

export { registerStartCommand } from '../register/start.js';

export interface StartOptions {
  port?: number;
  host?: string;
  config?: string;
  dataDir?: string;
  egressPort?: number;
}

/** Starts the gateway with the config file, environment and flags merged (flags win). */
export async function startFromOptions(
  opts: StartOptions,
): Promise<{ airlock: Airlock; config: Config; dataDir: string }> {
  const { config: fileConfig } = loadConfig(opts.config);
  const config: Config = {
    ...fileConfig,
    listen: { host: opts.host ?? fileConfig.listen.host, port: opts.port ?? fileConfig.listen.port },
    egress_proxy: { ...fileConfig.egress_proxy, port: opts.egressPort ?? fileConfig.egress_proxy.port },
  };
  const dataDir = resolveDataDir(opts.dataDir);
  const airlock = await startAirlock({ config, dataDir });
  return { airlock, config, dataDir };
}

/**
 * Whether loopback clients can reach a gateway listening on `host`: on a loopback address or on
 * every address (0.0.0.0, ::), not on one other interface's address.
 */
function loopbackReaches(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return isLoopback(h) || h === '0.0.0.0' || h === '::';
}

export function usageBanner(
  airlock: Airlock,
  dataDir: string,
  dashboard: { listenHost: string; allowRemote: boolean } = { listenHost: '127.0.0.1', allowRemote: false },
): string {
  const url = airlock.gateway.url;
  const lines = [
    `Airlock gateway listening on ${url}`,
    `Policy: ${airlock.policy().source}   Audit: ${airlock.store.location}   State: ${dataDir}`,
  ];
  if (airlock.egress)
    lines.push(`Egress proxy on ${airlock.egress.url} (HTTPS_PROXY for the assistant's other traffic)`);
  if (airlock.dashboard) {
    // Served to loopback clients only, unless allowed: on another interface's address alone it
    // would answer no one, and the URL printed would only ever say 403.
    if (dashboard.allowRemote || loopbackReaches(dashboard.listenHost))
      lines.push(`Dashboard: ${url}/_airlock/`);
    else
      lines.push(
        `Dashboard: not reachable on ${dashboard.listenHost}: it answers loopback clients only ` +
          '(dashboard.allow_remote: true serves it to the network, behind the token)',
      );
    const { token } = airlock.dashboard;
    if (token.created) lines.push(`Dashboard token (shown once, kept in ${token.path}): ${token.value}`);
  }
  return [
    ...lines,
    '',
    'Point your assistant at it:',
    `  export ANTHROPIC_BASE_URL=${url}/anthropic      # Claude Code, Anthropic SDKs`,
    `  export OPENAI_BASE_URL=${url}/openai/v1         # Qwen Code, OpenAI SDKs`,
    `  export GOOGLE_GEMINI_BASE_URL=${url}/gemini     # Gemini CLI, @google/genai`,
    // Codex reads no base URL from the environment: it takes one from a provider in its config.
    `  Codex CLI: a model provider in ~/.codex/config.toml with base_url = "${url}/openai/v1"`,
    '  Or let Airlock set it all up for one command: airlock run -- claude (codex, gemini, qwen)',
    '',
  ].join('\n');
}
