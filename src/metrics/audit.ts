/**
 * The audit recorder's health on /metrics: events it could not keep (dropped, refused, damaged in
 * the spool), failed appends, and whether it is spilling to the spool. Without these a full
 * spool under `on_spool_full: allow` lost events with no trace anywhere.
 */
import { CallbackCounter, CallbackGauge, type Registry } from './registry.js';

/** What the recorder reports (RecorderStats has these members). */
export interface AuditHealth {
  dropped: number;
  refused: number;
  storeErrors: number;
  damagedLines: number;
  spilling: boolean;
  spoolBytes: number;
}

export function registerAuditMetrics(registry: Registry, read: () => AuditHealth): void {
  const counter = (name: string, help: string, value: (h: AuditHealth) => number) =>
    registry.register(new CallbackCounter(name, help, () => value(read())));
  counter(
    'airlock_audit_dropped_total',
    'Audit events dropped: the spool was full under on_spool_full: allow, or the recorder was closed.',
    (h) => h.dropped,
  );
  counter(
    'airlock_audit_refused_total',
    'Requests refused with AIRLOCK_AUDIT_UNAVAILABLE (spool full or failing under on_spool_full: block); not recorded.',
    (h) => h.refused,
  );
  counter(
    'airlock_audit_store_errors_total',
    'Audit store appends that failed or timed out (their events stay in the spool and are retried).',
    (h) => h.storeErrors,
  );
  counter(
    'airlock_audit_spool_damaged_lines_total',
    'Spool lines that did not read back on replay; their segments are kept as *.damaged.',
    (h) => h.damagedLines,
  );
  registry.register(
    new CallbackGauge(
      'airlock_audit_spilling',
      '1 while the audit store fails and new events go to the spool only, else 0.',
      () => (read().spilling ? 1 : 0),
    ),
  );
  registry.register(
    new CallbackGauge(
      'airlock_audit_spool_bytes',
      'Bytes in the audit spool, against spool_max.',
      () => read().spoolBytes,
    ),
  );
}
