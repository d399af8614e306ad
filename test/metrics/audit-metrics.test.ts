/** The audit recorder's health on /metrics: counters and gauges read from its stats when scraped. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '../../src/metrics/index.js';
import type { AuditHealth } from '../../src/metrics/audit.js';

describe('audit metrics', () => {
  it('exposes drops, refusals, store errors, damaged lines and the spool, read at each scrape', () => {
    const health: AuditHealth = {
      dropped: 0,
      refused: 0,
      storeErrors: 0,
      damagedLines: 0,
      spilling: false,
      spoolBytes: 0,
    };
    let depth = 0;
    const metrics = createMetrics({ auditHealth: () => health, auditSpoolDepth: () => depth });
    health.dropped = 7;
    health.refused = 3;
    health.storeErrors = 2;
    health.damagedLines = 1;
    health.spilling = true;
    health.spoolBytes = 4096;
    depth = 12;
    const text = metrics.render();
    for (const [name, type, value] of [
      ['airlock_audit_dropped_total', 'counter', 7],
      ['airlock_audit_refused_total', 'counter', 3],
      ['airlock_audit_store_errors_total', 'counter', 2],
      ['airlock_audit_spool_damaged_lines_total', 'counter', 1],
      ['airlock_audit_spilling', 'gauge', 1],
      ['airlock_audit_spool_bytes', 'gauge', 4096],
      ['airlock_audit_spool_depth', 'gauge', 12],
    ] as const) {
      assert.ok(text.includes(`# TYPE ${name} ${type}\n${name} ${value}\n`), `${name}:\n${text}`);
    }
    health.spilling = false;
    assert.ok(metrics.render().includes('\nairlock_audit_spilling 0\n'));
    assert.doesNotMatch(createMetrics().render(), /airlock_audit_/);
  });
});
