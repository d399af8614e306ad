/**
 * The overview keeps requests and egress attempts apart: its "requests by decision" and its
 * request counts hold no egress attempt, though the store counts `error` for both kinds.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { Overview } from '../../src/dashboard/api-types.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { testConfig } from '../helpers/stack.js';
import { mixedEvents, seed, tempDir } from './helpers.js';

let dir: { dir: string; cleanup: () => Promise<void> };
let store: SqliteAuditStore;
let dashboard: Dashboard;
let gw: Gateway;

before(async () => {
  dir = await tempDir();
  store = new SqliteAuditStore({ path: join(dir.dir, 'audit.db') });
  const now = Date.now();
  // Egress allow, deny and error; requests forward, block and error.
  await seed(store, mixedEvents(now - 600_000, now - 1000));
  dashboard = createDashboard({
    store,
    dataDir: dir.dir,
    webRoot: join(dir.dir, 'no-build'),
    overviewCacheMs: 0,
    readInWorker: false,
  });
  gw = await startGateway({ config: testConfig(), routes: [dashboard.routes] });
});

after(async () => {
  await dashboard.close();
  await gw.close(500);
  await store.close();
  await dir.cleanup();
});

async function overview(range: string): Promise<Overview> {
  const res = await fetch(`${gw.url}/_airlock/api/overview?range=${range}`, {
    headers: { authorization: `Bearer ${dashboard.token.value}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Overview;
}

const totals = (series: Overview['requestDecisions']) =>
  Object.fromEntries(series.map((s) => [s.key, s.total]));

for (const range of ['1h', '24h']) {
  test(`${range}: requests by decision hold no egress attempt, and egress has its own counts`, async () => {
    const o = await overview(range);
    assert.deepEqual(totals(o.requestDecisions), { forward: 1, block: 1, error: 1 });
    assert.deepEqual(totals(o.egressDecisions), { allow: 1, deny: 1, error: 1 });
    // Per bucket too: the chart draws counts, not totals.
    for (const s of [...o.requestDecisions, ...o.egressDecisions]) {
      assert.equal(s.counts.length, o.stats.buckets.length);
      assert.equal(
        s.counts.reduce((a, b) => a + b, 0),
        s.total,
        s.key,
      );
    }
    assert.equal(o.totals.requests, 3);
    assert.equal(o.totals.errors, 1, 'the egress attempt that failed is not a request error');
    assert.equal(o.totals.blocked, 1);
    assert.equal(o.totals.egress, 3);
    assert.equal(o.totals.egressDenied, 1);
    assert.equal(o.totals.egressErrors, 1);
  });

  test(`${range}: top clients count requests, not the same tool's egress attempts`, async () => {
    const o = await overview(range);
    // Three requests and three egress attempts, all from Claude Code.
    assert.deepEqual(totals(o.stats.requestClient), { 'claude-code': 3 });
    assert.deepEqual(totals(o.stats.client), { 'claude-code': 6 }, 'every event, as the store counts it');
  });
}
