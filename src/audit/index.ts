/**
 * The audit trail's public surface. The gateway needs openAudit (or openAuditStore +
 * AuditRecorder), the event input type and the recorder; the dashboard needs the AuditStore
 * read side (query, get, stats, changes) and recorder.onEvent for the live feed.
 */
export { auditConfigSchema, DEFAULT_AUDIT_CONFIG, type AuditConfig } from './config.js';
export { openAudit, type Audit, type OpenAuditOptions } from './setup.js';
export { openAuditStore, createAuditStore, auditDbPath } from './open.js';
export { SqliteAuditStore } from './sqlite-store.js';
export { ThreadedSqliteStore } from './sqlite-threaded.js';
export { PostgresAuditStore } from './postgres-store.js';
export { AuditRecorder, type RecorderOptions, type RecorderStats } from './recorder.js';
export { buildEventBody, sanitizePath, jsonPathToString, type AuditEventInput } from './event.js';
export { clientFamily } from './client.js';
export { AuditStoreError } from './errors.js';
export { exportEvents, type ExportFormat } from './export.js';
export { parseDuration, parseTimeArg, TimeArgError } from './duration.js';
export type {
  AuditStore,
  AuditFilter,
  AuditPage,
  AuditStats,
  AuditChanges,
  StatsOptions,
  StatsSeries,
  TimeRange,
} from './store.js';
export type { VerifyReport, ChainProblem, ChainSummary } from './verify.js';
export type * from './types.js';
export { GENESIS_HASH } from './types.js';
