/**
 * One interface for every audit store (SQLite embedded, PostgreSQL for teams). The write side
 * is `append` (idempotent: replaying a batch after a crash inserts nothing twice); the read side
 * is what `airlock audit` and the dashboard need: filtered pages, one event, counts over time,
 * a live feed of new rows, and chain verification.
 */
import type { Category, Severity } from '../detect/types.js';
import type { Provider } from '../errors.js';
import type { AuditDecision, AuditEvent, AuditKind, SealedEvent } from './types.js';
import type { VerifyOptions, VerifyReport } from './verify.js';

export interface AuditFilter {
  /** Inclusive lower bound on the event time. */
  since?: Date;
  /** Exclusive upper bound on the event time. */
  until?: Date;
  kind?: AuditKind;
  decision?: AuditDecision | AuditDecision[];
  provider?: Provider;
  /** Client agent family, e.g. `claude-code`. */
  client?: string;
  model?: string;
  instance?: string;
  /** Events with at least one finding of this rule / category / at least this severity. */
  rule?: string;
  category?: Category;
  minSeverity?: Severity;
  /** Only events with (true) or without (false) findings. */
  hasFindings?: boolean;
  /** Page size, default 100, at most 1000. */
  limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
  /** `desc` (newest first, the default) or `asc`. */
  order?: 'asc' | 'desc';
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  next?: string;
}

export interface TimeRange {
  since: Date;
  until: Date;
}

export interface StatsOptions {
  /** Width of a time bucket in milliseconds (e.g. 3_600_000 for hourly). */
  bucketMs: number;
  /** How many keys to keep for the rule, client and model series (default 10). */
  top?: number;
}

/** One line on a chart: counts per bucket for one key (a decision, a category, a rule...). */
export interface StatsSeries {
  key: string;
  total: number;
  /** One count per bucket, aligned with AuditStats.buckets. */
  counts: number[];
}

export interface AuditStats {
  /** Start of each bucket, ISO 8601. */
  buckets: string[];
  bucketMs: number;
  totals: {
    events: number;
    requests: number;
    egress: number;
    findings: number;
  };
  /** Events per decision. */
  decision: StatsSeries[];
  /** Events per kind (`request`, `egress`): `error` is a decision of both. */
  kind: StatsSeries[];
  /** Findings per category. */
  category: StatsSeries[];
  /** Findings per rule (top N). */
  rule: StatsSeries[];
  /** Events per client agent family (top N), requests and egress attempts together. */
  client: StatsSeries[];
  /** Requests per client agent family (top N): egress attempts left out. */
  requestClient: StatsSeries[];
}

/** New rows in insertion order, for `audit tail --follow` and the dashboard's live feed. */
export interface AuditChanges {
  events: AuditEvent[];
  /** Pass back to get the rows inserted after these. */
  cursor: string;
}

/** A stored row as the chain verifier reads it. */
export interface ChainRow {
  /** Storage row number (insertion order): what `verify` names when a row is bad. */
  row: number;
  id: string;
  instance: string;
  seq: number;
  ts: number;
  hash: string;
  doc: string;
}

/** An event as stored: its hashed document and its hash (what `audit export` writes as JSONL). */
export interface StoredDoc {
  hash: string;
  /** The document's UTF-8 bytes as stored (an export writes them out without decoding them). */
  doc: Buffer;
}

/** Events with `since <= time < until` (either end open). */
export interface StoredRange {
  since?: Date;
  until?: Date;
}

/** Where an instance's chain starts after retention pruned its oldest rows. */
export interface ChainAnchor {
  instance: string;
  seq: number;
  hash: string;
  prunedAt: number;
}

export interface AuditStore {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data is (file path, or URL without password) for messages. */
  readonly location: string;
  /** Creates the schema or migrates it; appends and reads call it on first use. */
  init(): Promise<void>;
  /** Inserts a batch in one transaction; events already stored (same id) are skipped. */
  append(batch: readonly SealedEvent[]): Promise<void>;
  query(filter?: AuditFilter): Promise<AuditPage>;
  get(id: string): Promise<AuditEvent | undefined>;
  stats(range: TimeRange, options: StatsOptions): Promise<AuditStats>;
  /** Rows inserted after `cursor` (start from the newest `limit` rows when absent). */
  changes(cursor: string | undefined, limit?: number): Promise<AuditChanges>;
  /** Streams every row, ordered by instance then seq, in batches. */
  chainRows(batchSize?: number): AsyncIterable<ChainRow[]>;
  /** Streams the events of a time range as stored, oldest first (time, then id), in batches. */
  storedDocs(range: StoredRange, batchSize?: number): AsyncIterable<StoredDoc[]>;
  anchors(): Promise<ChainAnchor[]>;
  /** Checks every instance's chain; streams the rows, so memory stays flat. */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /** Deletes events older than `before` (each chain's oldest rows) and records an anchor. */
  prune(before: Date): Promise<number>;
  close(): Promise<void>;
}
