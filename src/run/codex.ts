/**
 * Codex CLI ignores OPENAI_BASE_URL for its built-in `openai` provider; it talks to a custom
 * base URL only through a `model_providers` entry. `airlock run` adds one with `-c` overrides
 * (TOML values, highest precedence, nothing written to the user's ~/.codex), plus the opt-outs
 * Codex reads from config: analytics, feedback uploads, the update check and OTel exporters.
 * Keys checked against codex-cli 0.169 (`[analytics] enabled`, `check_for_update_on_startup`,
 * `otel.exporter|metrics_exporter|trace_exporter`, `[feedback] enabled`).
 */

const PROVIDER_ID = 'airlock';

function tomlString(value: string): string {
  return JSON.stringify(value); // a JSON string literal is a valid TOML basic string
}

export function codexArgs(gatewayUrl: string, env: NodeJS.ProcessEnv): string[] {
  const base = `${gatewayUrl.replace(/\/+$/, '')}/openai/v1`;
  const provider = `model_providers.${PROVIDER_ID}`;
  const overrides = [
    `model_provider=${tomlString(PROVIDER_ID)}`,
    `${provider}.name=${tomlString('Airlock gateway')}`,
    `${provider}.base_url=${tomlString(base)}`,
    `${provider}.wire_api=${tomlString('responses')}`,
    // Codex's Responses-over-WebSocket transport bypasses HTTP inspection, and the gateway does
    // not proxy WebSockets: keep the turns on HTTP (SSE) even where a later default says otherwise.
    `${provider}.supports_websockets=false`,
    // An API key in the environment is used as is; otherwise Codex's stored login (auth.json).
    env.OPENAI_API_KEY
      ? `${provider}.env_key=${tomlString('OPENAI_API_KEY')}`
      : `${provider}.requires_openai_auth=true`,
    'analytics.enabled=false',
    'feedback.enabled=false',
    'check_for_update_on_startup=false',
    // The curated plugin marketplace syncs from github.com and chatgpt.com at start.
    'features.plugins=false',
    `otel.exporter=${tomlString('none')}`,
    `otel.metrics_exporter=${tomlString('none')}`,
    `otel.trace_exporter=${tomlString('none')}`,
  ];
  return overrides.flatMap((o) => ['-c', o]);
}
