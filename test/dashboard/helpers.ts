/** Shared by the dashboard tests and the benchmark: seeded audit events and a logged-in client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seal } from '../../src/audit/chain.js';
import { buildEventBody, type AuditEventInput } from '../../src/audit/event.js';
import type { AuditStore } from '../../src/audit/store.js';
import { GENESIS_HASH, type AuditEvent, type SealedEvent } from '../../src/audit/types.js';
import { ulid } from '../../src/audit/ulid.js';
import type { Category } from '../../src/detect/types.js';
import type { FindingDecision } from '../../src/gateway/inspector.js';

export async function tempDir(
  prefix = 'airlock-dash-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function decision(
  ruleId: string,
  category: Category,
  action: FindingDecision['action'],
  path: (string | number)[],
  preview: string,
): FindingDecision {
  return {
    finding: {
      ruleId,
      category,
      severity: category === 'secret' ? 'critical' : 'medium',
      kind: 'text',
      input: 0,
      path,
      role: 'user',
      start: 0,
      end: 4,
    },
    action,
    valueHash: `hash-${ruleId}`,
    preview,
  };
}

const RULES: [string, Category, FindingDecision['action']][] = [
  ['env-home-path', 'environment', 'pseudonymize'],
  ['env-hostname', 'environment', 'pseudonymize'],
  ['aws-access-key', 'secret', 'block'],
  ['email', 'pii', 'pseudonymize'],
  ['hidden-tag-chars', 'hidden-unicode', 'strip'],
];
const AGENTS = [
  'claude-cli/2.1.0 (external, cli)',
  'OpenAI/JS 6.1.0',
  'GeminiCLI/0.9.0',
  'codex_cli_rs/0.50.0',
];
const EGRESS_HOSTS = [
  ['api.anthropic.com', 'allow'],
  ['statsig.anthropic.com', 'deny'],
  ['sentry.io', 'deny'],
  ['api.openai.com', 'allow'],
] as const;

/** A deterministic, varied event: i picks the kind, client, decision and findings. */
export function syntheticInput(i: number, time: number): AuditEventInput {
  if (i % 10 === 9) {
    const [host, verdict] = EGRESS_HOSTS[Math.floor(i / 10) % EGRESS_HOSTS.length] ?? EGRESS_HOSTS[0];
    return {
      time,
      kind: 'egress',
      userAgent: AGENTS[i % AGENTS.length],
      method: 'CONNECT',
      status: verdict === 'allow' ? 200 : 403,
      latency_ms: { total: 2 },
      decision: verdict,
      egress: { host, port: 443, rule: verdict === 'allow' ? '@model-apis' : '@telemetry' },
    };
  }
  const findings: FindingDecision[] = [];
  for (let r = 0; r < RULES.length; r++) {
    if ((i + r) % (3 + r) === 0) {
      const [rule, category, action] = RULES[r] ?? RULES[0]!;
      findings.push(decision(rule, category, action, ['messages', r, 'content'], '/ho…ce'));
    }
  }
  const blocked = findings.some((f) => f.action === 'block');
  const rewritten = findings.some((f) => f.action !== 'block');
  return {
    time,
    kind: 'request',
    userAgent: AGENTS[i % AGENTS.length],
    provider: (['anthropic', 'openai', 'gemini'] as const)[i % 3],
    dialect: (['anthropic-messages', 'openai-chat', 'gemini-generate'] as const)[i % 3],
    model: ['claude-sonnet-4-5', 'gpt-5', 'gemini-2.5-pro'][i % 3],
    method: 'POST',
    path: '/v1/messages',
    status: blocked ? 403 : 200,
    latency_ms: { total: 100 + (i % 400), upstream: 90, inspect: 0.4 },
    bytes_in: 2000,
    bytes_out: 800,
    decision: blocked ? 'block' : rewritten ? 'pseudonymize' : 'forward',
    mode: 'enforce',
    findings,
  };
}

/** Seals `count` events into one chain, spread evenly over [start, end). */
export function* sealedEvents(
  count: number,
  start: number,
  end: number,
  instance = 'seed',
  input: (i: number, time: number) => AuditEventInput = syntheticInput,
): Generator<SealedEvent> {
  let prevHash = GENESIS_HASH;
  const step = (end - start) / count;
  for (let i = 0; i < count; i++) {
    const time = Math.floor(start + i * step);
    const sealed = seal(buildEventBody(input(i, time)), { id: ulid(time), instance, seq: i + 1, prevHash });
    prevHash = sealed.event.hash;
    yield sealed;
  }
}

export async function seed(
  store: AuditStore,
  events: Iterable<SealedEvent>,
  batch = 2000,
): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  let pending: SealedEvent[] = [];
  for (const s of events) {
    pending.push(s);
    all.push(s.event);
    if (pending.length >= batch) {
      await store.append(pending);
      pending = [];
    }
  }
  await store.append(pending);
  return all;
}

/**
 * One event of each outcome, requests and egress attempts alike: `error` is a decision of both
 * kinds, which the overview must not add up.
 */
export const MIXED_EVENTS: readonly AuditEventInput[] = [
  {
    time: 0,
    kind: 'egress',
    userAgent: 'claude-cli/2.1.0 (external, cli)',
    method: 'CONNECT',
    status: 403,
    latency_ms: { total: 1 },
    decision: 'deny',
    egress: { host: 'statsig.anthropic.com', port: 443, rule: 'built-in @telemetry (statsig.anthropic.com)' },
  },
  {
    time: 0,
    kind: 'egress',
    userAgent: 'claude-cli/2.1.0 (external, cli)',
    method: 'CONNECT',
    status: 200,
    latency_ms: { total: 3 },
    decision: 'allow',
    egress: { host: 'registry.npmjs.org', port: 443, rule: 'profile default: not listed' },
  },
  {
    time: 0,
    kind: 'egress',
    userAgent: 'claude-cli/2.1.0 (external, cli)',
    method: 'CONNECT',
    status: 502,
    latency_ms: { total: 9 },
    decision: 'error',
    egress: { host: 'unreachable.example.com', port: 443, rule: 'profile default: not listed' },
    error: 'ECONNREFUSED',
  },
  {
    time: 0,
    kind: 'request',
    userAgent: 'claude-cli/2.1.0 (external, cli)',
    provider: 'anthropic',
    dialect: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    method: 'POST',
    path: '/v1/messages',
    status: 200,
    latency_ms: { total: 120, upstream: 110, inspect: 0.5 },
    bytes_in: 900,
    bytes_out: 400,
    decision: 'forward',
    mode: 'enforce',
    findings: [],
  },
  {
    time: 0,
    kind: 'request',
    userAgent: 'claude-cli/2.1.0 (external, cli)',
    provider: 'anthropic',
    dialect: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    method: 'POST',
    path: '/v1/messages',
    status: 403,
    latency_ms: { total: 4, inspect: 0.5 },
    bytes_in: 900,
    bytes_out: 200,
    decision: 'block',
    mode: 'enforce',
    error: 'AIRLOCK_POLICY_BLOCKED',
    findings: [decision('aws-access-key', 'secret', 'block', ['messages', 0, 'content'], 'AK…27')],
  },
  {
    time: 0,
    kind: 'request',
    userAgent: 'claude-cli/2.1.0 (external, cli)',
    provider: 'anthropic',
    dialect: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    method: 'POST',
    path: '/v1/messages',
    status: 502,
    latency_ms: { total: 30, inspect: 0.5 },
    bytes_in: 900,
    bytes_out: 150,
    decision: 'error',
    mode: 'enforce',
    error: 'AIRLOCK_UPSTREAM_UNREACHABLE',
    findings: [],
  },
];

/** MIXED_EVENTS in order, each at its own time in [start, end), chained as `instance`. */
export function mixedEvents(start: number, end: number, instance = 'seed'): Generator<SealedEvent> {
  return sealedEvents(MIXED_EVENTS.length, start, end, instance, (i, time) => ({
    ...MIXED_EVENTS[i]!,
    time,
  }));
}
