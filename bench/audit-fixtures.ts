/** Realistic sealed audit events for the audit benchmarks (a request with findings every few). */
import { seal } from '../src/audit/chain.js';
import { buildEventBody, type AuditEventInput } from '../src/audit/event.js';
import { GENESIS_HASH, type SealedEvent } from '../src/audit/types.js';
import { ulid } from '../src/audit/ulid.js';
import type { FindingDecision } from '../src/gateway/inspector.js';

function finding(ruleId: string, category: 'secret' | 'environment', i: number): FindingDecision {
  return {
    finding: {
      ruleId,
      category,
      severity: category === 'secret' ? 'critical' : 'medium',
      kind: 'text',
      input: 0,
      path: ['messages', i % 40, 'content', 0, 'text'],
      role: 'user',
      start: 0,
      end: 8,
    },
    action: category === 'secret' ? 'block' : 'pseudonymize',
    valueHash: 'a1b2c3d4e5f60718',
    preview: '/ho…ce',
  };
}

export function benchInput(i: number, time = Date.now()): AuditEventInput {
  const findings =
    i % 4 === 0
      ? [finding('env-home-path', 'environment', i), finding('env-hostname', 'environment', i)]
      : [];
  if (i % 50 === 0) findings.push(finding('aws-access-key', 'secret', i));
  return {
    time,
    kind: 'request',
    userAgent: 'claude-cli/1.0.83 (external, cli)',
    provider: 'anthropic',
    dialect: 'anthropic-messages',
    model: 'claude-sonnet-4-5-20250929',
    method: 'POST',
    path: '/v1/messages?beta=true',
    status: findings.some((f) => f.action === 'block') ? 403 : 200,
    latency_ms: { total: 812.4, upstream: 805.1, inspect: 1.7 },
    bytes_in: 104_857,
    bytes_out: 5_120,
    decision: findings.some((f) => f.action === 'block')
      ? 'block'
      : findings.length
        ? 'pseudonymize'
        : 'forward',
    mode: 'enforce',
    findings,
  };
}

/** `count` events spread over `instances` chains, one event per 10 ms from `start`. */
export function benchChains(
  count: number,
  instances: number,
  start = Date.now() - count * 10,
): SealedEvent[] {
  const heads = new Array<string>(instances).fill(GENESIS_HASH);
  const seqs = new Array<number>(instances).fill(0);
  const out: SealedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const k = i % instances;
    const time = start + i * 10;
    seqs[k] = (seqs[k] ?? 0) + 1;
    const sealed = seal(buildEventBody(benchInput(i, time)), {
      id: ulid(time),
      instance: `bench-${k}`,
      seq: seqs[k] ?? 1,
      prevHash: heads[k] ?? GENESIS_HASH,
    });
    heads[k] = sealed.event.hash;
    out.push(sealed);
  }
  return out;
}
