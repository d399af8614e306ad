/**
 * A whole stack for the dashboard tests: provider simulator, gateway with the real policy
 * inspector, audit recorder writing to SQLite in a temp data dir, and the dashboard mounted on
 * the gateway, wired the way
 * `airlock start` wires them (onExchange → recorder.record, recorder.onEvent → dashboard.publish).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { PolicyStatus } from '../../src/dashboard/policy-status.js';
import { createMetrics, type Metrics } from '../../src/metrics/index.js';
import { createPolicyRuntime, type PolicyRuntime } from '../../src/policy/setup.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { tempDir } from './helpers.js';
import { exchangeAuditInput } from '../../src/app.js';

export interface DashboardStack {
  stack: Stack;
  store: SqliteAuditStore;
  recorder: AuditRecorder;
  dashboard: Dashboard;
  metrics: Metrics;
  policy: PolicyRuntime;
  /** What the policy page shows (the tests may report a version as the gateway would). */
  policyStatus: PolicyStatus;
  dataDir: string;
  close(): Promise<void>;
}

/** The policy in force for these tests: the built-in one, except that secrets block the request. */
export const TEST_POLICY = 'categories:\n  secret: block\n';

export async function startDashboardStack(): Promise<DashboardStack> {
  const { dir, cleanup } = await tempDir('airlock-dash-stack-');
  const store = new SqliteAuditStore({ path: join(dir, 'audit.db') });
  await store.init();
  const recorder = new AuditRecorder({ store, dataDir: dir, flushIntervalMs: 50 });
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, TEST_POLICY);
  const status = new PolicyStatus(policyFile);
  const policy = createPolicyRuntime({
    file: policyFile,
    dataDir: dir,
    onReload: (_inspector, _onError, compiled) => status.loaded(compiled),
    onReloadError: (err) => status.failed(err),
  });
  status.loaded(policy.policy());
  const dashboard = createDashboard({ store, dataDir: dir, policyInfo: () => status.info() });
  recorder.onEvent((event, line) => dashboard.publish(event, line));
  const metrics = createMetrics({ auditQueueDepth: () => recorder.stats().queueDepth });
  const stack = await startStack(
    {},
    {
      inspector: policy.inspector,
      onInspectError: policy.onError,
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
    policy,
    policyStatus: status,
    dataDir: dir,
    async close() {
      await dashboard.close();
      await stack.close();
      await recorder.close({ timeoutMs: 5000 });
      await policy.close();
      await store.close();
      await cleanup();
    },
  };
}
