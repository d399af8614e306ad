/**
 * Named host groups usable in an egress policy (`deny: ['@telemetry']`). Each entry names where it
 * was found so the list can be re-checked when the assistants change; docs/telemetry-hosts.md is
 * the readable version of the same table and test/egress/telemetry-hosts.test.ts keeps them in step.
 *
 * Found by searching the published packages for URLs (@anthropic-ai/claude-code 2.1.197 native
 * binary, @openai/codex 0.169.0 Rust binary, @google/gemini-cli 0.61.0 and @qwen-code/qwen-code
 * 0.15.10 JS bundles), then checked by running each CLI behind the proxy with every non-loopback
 * destination refused (what each one attempted is in docs/telemetry-hosts.md). Claude Code 2.1.332,
 * Codex 0.171.0 and Qwen Code 0.24.4, searched and run the same way, attempted no new host. The
 * cloud providers' model hosts (Bedrock, Foundry, Azure OpenAI, Claude on Google Cloud) were
 * found in the Claude Code 2.1.332 and Codex 0.171.0 binaries: what they build from a region or
 * resource name when one of those providers is chosen.
 */

export interface HostEntry {
  /** Host pattern: `host`, `*.suffix` (subdomains only), optionally `:port`. */
  pattern: string;
  /** Who contacts it and why, e.g. 'Claude Code: Datadog log intake'. */
  why: string;
}

/** The model providers' API hosts: model traffic must go through the inspecting gateway. */
const MODEL_APIS: HostEntry[] = [
  {
    pattern: 'api.anthropic.com',
    why: 'Anthropic Messages API; Claude Code also posts /api/event_logging there',
  },
  { pattern: 'api-staging.anthropic.com', why: 'Anthropic staging API (in the Claude Code binary)' },
  { pattern: 'api.openai.com', why: 'OpenAI API (Codex, Qwen Code with OpenAI keys, SDKs)' },
  { pattern: 'chatgpt.com', why: 'Codex with ChatGPT sign-in: model calls and analytics under /backend-api' },
  { pattern: 'generativelanguage.googleapis.com', why: 'Gemini API (Gemini CLI, @google/genai)' },
  { pattern: 'cloudcode-pa.googleapis.com', why: 'Gemini Code Assist (Gemini CLI with Google sign-in)' },
  { pattern: 'aiplatform.googleapis.com', why: 'Vertex AI (Gemini and Claude on Vertex)' },
  { pattern: '*-aiplatform.googleapis.com', why: 'Vertex AI regional endpoints (us-central1-aiplatform...)' },
  { pattern: 'aiplatform.us.rep.googleapis.com', why: 'Vertex AI regional endpoint (US)' },
  { pattern: 'aiplatform.eu.rep.googleapis.com', why: 'Vertex AI regional endpoint (EU)' },
  {
    pattern: 'claude.googleapis.com',
    why: 'Claude on Google Cloud, Anthropic-run (Claude Code 2.1.332 names it as a provider default)',
  },
  {
    pattern: 'bedrock-runtime.*.amazonaws.com',
    why: 'Amazon Bedrock runtime (Claude Code with CLAUDE_CODE_USE_BEDROCK; Codex Bedrock provider, /openai/v1)',
  },
  { pattern: 'bedrock-runtime-fips.*.amazonaws.com', why: 'Amazon Bedrock runtime, FIPS endpoints' },
  {
    pattern: 'bedrock-mantle.*.api.aws',
    why: 'Amazon Bedrock compatible APIs (Claude Code /anthropic, Codex /openai/v1)',
  },
  {
    pattern: 'aws-external-anthropic.*.api.aws',
    why: 'Claude Platform on AWS (Claude Code, SigV4-signed Messages API)',
  },
  {
    pattern: '*.services.ai.azure.com',
    why: 'Microsoft Foundry resources (Claude Code with ANTHROPIC_FOUNDRY_RESOURCE, /anthropic)',
  },
  {
    pattern: '*.cognitiveservices.azure.com',
    why: 'Azure AI services resources (Claude Code accepts them as Foundry hosts; Azure OpenAI)',
  },
  { pattern: '*.openai.azure.com', why: 'Azure OpenAI resources (Codex Azure provider, the openai SDK)' },
  { pattern: 'gov.chatgpt.com', why: 'Codex with a government ChatGPT sign-in: /backend-api/codex' },
  { pattern: 'dashscope.aliyuncs.com', why: 'Qwen via DashScope (Alibaba Cloud Model Studio)' },
  {
    pattern: '*.dashscope.aliyuncs.com',
    why: 'DashScope regional and coding-plan endpoints (coding., cn-hongkong.)',
  },
  { pattern: 'dashscope-intl.aliyuncs.com', why: 'DashScope international endpoint' },
  { pattern: 'dashscope-us.aliyuncs.com', why: 'DashScope US endpoint' },
  {
    pattern: '*.maas.aliyuncs.com',
    why: 'Qwen token-plan endpoint (token-plan.cn-beijing.maas.aliyuncs.com)',
  },
  { pattern: 'portal.qwen.ai', why: 'Qwen OAuth model endpoint' },
  { pattern: 'chat.qwen.ai', why: 'Qwen OAuth device flow' },
];

const TELEMETRY_CLAUDE: HostEntry[] = [
  { pattern: 'http-intake.logs.us5.datadoghq.com', why: 'Claude Code: Datadog log intake (events)' },
  { pattern: 'browser-intake-us5-datadoghq.com', why: 'Claude Code: Datadog browser intake' },
  { pattern: 'cdn.growthbook.io', why: 'Claude Code: GrowthBook feature flags' },
  { pattern: 'statsig.anthropic.com', why: 'Claude Code 1.x: Statsig feature gates and events' },
  { pattern: 'api.statsig.com', why: 'Statsig API (Claude Code 1.x)' },
  { pattern: 'featuregates.org', why: 'Statsig feature gates (Claude Code 1.x)' },
  { pattern: '*.featuregates.org', why: 'Statsig feature gates CDN' },
  { pattern: 'bun.report', why: 'Claude Code native build: Bun crash reports' },
  { pattern: 'downloads.claude.ai', why: 'Claude Code: auto-update and plugin downloads' },
];

const TELEMETRY_CODEX: HostEntry[] = [
  { pattern: 'ab.chatgpt.com', why: 'Codex: OTLP metrics exporter (ab.chatgpt.com/otlp/v1/metrics)' },
];

const TELEMETRY_GEMINI: HostEntry[] = [
  { pattern: 'play.googleapis.com', why: 'Gemini CLI: Clearcut usage statistics (play.googleapis.com/log)' },
];

const TELEMETRY_QWEN: HostEntry[] = [
  {
    pattern: '*.rum.aliyuncs.com',
    why: 'Qwen Code: Alibaba Cloud RUM usage statistics (gb4w8c3ygj-default-sea.rum...)',
  },
];

/** Crash-report and analytics services used by many Node tools. */
const TELEMETRY_COMMON: HostEntry[] = [
  { pattern: '*.sentry.io', why: 'Sentry crash reports (Claude Code 1.x and many tools)' },
  { pattern: 'sentry.io', why: 'Sentry crash reports' },
  { pattern: 'api.segment.io', why: 'Segment analytics' },
];

export const HOST_GROUPS: Readonly<Record<string, readonly HostEntry[]>> = Object.freeze({
  '@model-apis': MODEL_APIS,
  '@telemetry-claude': TELEMETRY_CLAUDE,
  '@telemetry-codex': TELEMETRY_CODEX,
  '@telemetry-gemini': TELEMETRY_GEMINI,
  '@telemetry-qwen': TELEMETRY_QWEN,
  '@telemetry-common': TELEMETRY_COMMON,
  '@telemetry': [
    ...TELEMETRY_CLAUDE,
    ...TELEMETRY_CODEX,
    ...TELEMETRY_GEMINI,
    ...TELEMETRY_QWEN,
    ...TELEMETRY_COMMON,
  ],
});

export type HostGroupName = keyof typeof HOST_GROUPS;

/** The groups the built-in default refuses in every profile. */
export const DEFAULT_DENY_GROUPS = ['@model-apis', '@telemetry'] as const;

export function isHostGroup(name: string): boolean {
  return Object.hasOwn(HOST_GROUPS, name);
}

export function hostGroup(name: string): readonly HostEntry[] {
  const group = HOST_GROUPS[name];
  if (group === undefined)
    throw new Error(`unknown host group ${name}; known: ${Object.keys(HOST_GROUPS).join(', ')}`);
  return group;
}
