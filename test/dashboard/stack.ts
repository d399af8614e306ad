/**
 * A whole stack for the dashboard tests: provider simulator, gateway, audit recorder writing to
 * SQLite in a temp data dir, and the dashboard mounted on the gateway, wired the way
 * `airlock start` wires them (onExchange → recorder.record, recorder.onEvent → dashboard.publish).
 */
import { join } from 'node:path';
import type { AuditEventInput } from '../../src/audit/event.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditDecision } from '../../src/audit/types.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import type { Exchange } from '../../src/gateway/exchange.js';
import type { FindingDecision, Inspector } from '../../src/gateway/inspector.js';
import { createMetrics, exchangeDecision, type Metrics } from '../../src/metrics/index.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { tempDir } from './helpers.js';

/** The audit record of a finished gateway exchange. */
export function exchangeAuditInput(ex: Exchange): AuditEventInput {
  return {
    time: ex.startedAt,
    kind: 'request',
    userAgent: ex.userAgent,
    provider: ex.provider,
    dialect: ex.dialect,
    model: ex.model,
    method: ex.method,
    path: ex.path,
    status: ex.status,
    latency_ms: { total: ex.latencyMs, upstream: ex.upstreamMs, inspect: ex.inspectMs },
    bytes_in: ex.bytesIn,
    bytes_out: ex.bytesOut,
    decision: exchangeDecision(ex) as AuditDecision,
    mode: ex.summary?.mode,
    findings: ex.summary?.findings,
    error: ex.errorCode,
  };
}

/** `AKIA…99`-style preview: the first and last two characters, never the middle. */
export function mask(value: string): string {
  return value.length <= 6 ? '…' : `${value.slice(0, 2)}…${value.slice(-2)}`;
}

const PLANTED: {
  pattern: RegExp;
  ruleId: string;
  category: 'secret' | 'environment';
  action: FindingDecision['action'];
}[] = [
  { pattern: /AKIA[A-Z0-9]{16}/g, ruleId: 'aws-access-key', category: 'secret', action: 'block' },
  {
    pattern: /\/home\/[a-z][\w-]*/g,
    ruleId: 'env-home-path',
    category: 'environment',
    action: 'pseudonymize',
  },
];

/**
 * A stand-in for the policy inspector: finds AWS keys and home paths in user messages and
 * blocks when a key is present, with findings carrying masked previews as the real one does.
 */
export const plantedValueInspector: Inspector = {
  inspect(req) {
    const body = req.body as { messages?: { role: string; content: unknown }[] } | undefined;
    const findings: FindingDecision[] = [];
    (body?.messages ?? []).forEach((m, i) => {
      if (typeof m.content !== 'string') return;
      for (const rule of PLANTED) {
        for (const match of m.content.matchAll(rule.pattern)) {
          findings.push({
            finding: {
              ruleId: rule.ruleId,
              category: rule.category,
              severity: rule.category === 'secret' ? 'critical' : 'medium',
              kind: rule.category === 'secret' ? 'aws-access-key' : 'home-path',
              input: i,
              path: ['messages', i, 'content'],
              role: 'user',
              start: match.index,
              end: match.index + match[0].length,
            },
            action: rule.action,
            valueHash: `k${match[0].length}`,
            preview: mask(match[0]),
          });
        }
      }
    });
    const summary = { findings, mode: 'enforce' };
    if (findings.some((f) => f.action === 'block')) {
      return { action: 'block', message: 'aws-access-key in messages[0].content: remove the key', summary };
    }
    return { action: 'forward', summary };
  },
};

export interface DashboardStack {
  stack: Stack;
  store: SqliteAuditStore;
  recorder: AuditRecorder;
  dashboard: Dashboard;
  metrics: Metrics;
  dataDir: string;
  close(): Promise<void>;
}

export async function startDashboardStack(
  inspector: Inspector = plantedValueInspector,
): Promise<DashboardStack> {
  const { dir, cleanup } = await tempDir('airlock-dash-stack-');
  const store = new SqliteAuditStore({ path: join(dir, 'audit.db') });
  await store.init();
  const recorder = new AuditRecorder({ store, dataDir: dir, flushIntervalMs: 50 });
  const loadedAt = new Date();
  const dashboard = createDashboard({
    store,
    dataDir: dir,
    policyInfo: () => ({ source: 'test policy', text: 'mode: enforce\n', loadedAt, mode: 'enforce' }),
  });
  recorder.onEvent((event) => dashboard.publish(event));
  const metrics = createMetrics({ auditQueueDepth: () => recorder.stats().queueDepth });
  const stack = await startStack(
    {},
    {
      inspector,
      routes: [dashboard.routes, metrics.route],
      onExchange(ex) {
        metrics.observe(ex);
        recorder.record(exchangeAuditInput(ex));
      },
    },
  );
  return {
    stack,
    store,
    recorder,
    dashboard,
    metrics,
    dataDir: dir,
    async close() {
      await dashboard.close();
      await stack.close();
      await recorder.close({ timeoutMs: 5000 });
      await store.close();
      await cleanup();
    },
  };
}
