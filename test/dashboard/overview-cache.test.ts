/** The overview cache: fresh answers reused, stale ones served while one refresh runs, errors not cached. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditStats, AuditStore } from '../../src/audit/store.js';
import { DashboardApi } from '../../src/dashboard/api.js';

function statsWith(events: number): AuditStats {
  return {
    buckets: [new Date(0).toISOString()],
    bucketMs: 60_000,
    totals: { events, requests: events, egress: 0, findings: 0 },
    decision: [{ key: 'block', total: events, counts: [events] }],
    kind: [{ key: 'request', total: events, counts: [events] }],
    category: [],
    rule: [],
    client: [],
    requestClient: [],
  };
}

/** A store whose stats() answers with a growing count, or fails when told to. */
function countingStore() {
  const state = { calls: 0, fail: false };
  const store = {
    async stats() {
      state.calls++;
      if (state.fail) throw new Error('store down');
      return statsWith(state.calls);
    },
  } as unknown as AuditStore;
  return { store, state };
}

const q = new URLSearchParams({ range: '24h' });

test('fresh for overviewCacheMs, then stale-while-revalidate, then recomputed', async () => {
  const { store, state } = countingStore();
  let now = 1_000_000;
  const api = new DashboardApi({ store, overviewCacheMs: 2000, overviewStaleMs: 60_000, now: () => now });

  assert.equal((await api.overview(q)).totals.events, 1);
  now += 1000;
  assert.equal((await api.overview(q)).totals.blocked, 1, 'fresh: reused');
  assert.equal(state.calls, 1);

  now += 2000;
  assert.equal((await api.overview(q)).totals.events, 1, 'stale: served at once');
  assert.equal((await api.overview(q)).totals.events, 1, 'still stale while the refresh waits');
  await new Promise((r) => setImmediate(r));
  assert.equal(state.calls, 2, 'one refresh ran');
  await new Promise((r) => setImmediate(r));
  assert.equal((await api.overview(q)).totals.events, 2, 'the refresh replaced it');

  now += 120_000;
  assert.equal((await api.overview(q)).totals.events, 3, 'too old to serve: recomputed first');
  assert.equal((await api.overview(new URLSearchParams({ range: '7d' }))).totals.events, 4, 'per range');
});

test('a failed computation is not cached, and a failed refresh keeps the last good answer', async () => {
  const { store, state } = countingStore();
  let now = 0;
  const api = new DashboardApi({ store, overviewCacheMs: 1000, now: () => now });
  state.fail = true;
  await assert.rejects(api.overview(q), /store down/);
  state.fail = false;
  assert.equal((await api.overview(q)).totals.events, 2);
  now += 5000;
  state.fail = true;
  assert.equal((await api.overview(q)).totals.events, 2, 'stale answer while the refresh fails');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal((await api.overview(q)).totals.events, 2);
});
