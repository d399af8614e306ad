/**
 * The dashboard's JSON API shapes, shared by the server (src/dashboard) and the front end (web/),
 * which imports this file for its types only. Everything here is already masked: events carry
 * previews and keyed hashes, never a value.
 */
import type { AuditStats, StatsSeries } from '../audit/store.js';
import type {
  AuditDecision,
  AuditEvent,
  AuditKind,
  AuditUninspected,
  FindingAction,
} from '../audit/types.js';

export type { AuditEvent, AuditStats, AuditUninspected, StatsSeries };

/** One row of the events list and the live feed. */
export interface EventSummary {
  id: string;
  time: string;
  kind: AuditKind;
  decision: AuditDecision;
  provider?: string;
  dialect?: string;
  model?: string;
  method?: string;
  path?: string;
  status?: number;
  client: string;
  latencyMs: number;
  findings: number;
  /** Distinct finding categories, most frequent first. */
  categories: string[];
  /** Every distinct rule id, the most severe first, then the most frequent. */
  rules: string[];
  /** How many parts of the request went uninspected (binary files); absent when none did. */
  uninspected?: number;
  /** For egress events: `host:port`. */
  destination?: string;
  /** The recorder (one gateway process) that wrote the event. */
  instance: string;
  error?: string;
}

export interface EventsPage {
  events: EventSummary[];
  next?: string;
}

export type OverviewRange = '1h' | '24h' | '7d' | '30d';

export interface Overview {
  range: OverviewRange;
  /**
   * Every event's counts as the store has them: `stats.decision` and `stats.client` hold both
   * kinds of event, `stats.requestClient` requests only (what the page's top clients show).
   */
  stats: AuditStats;
  /**
   * Gateway requests per decision (`forward`, `pseudonymize`, `block`, `error`), egress attempts
   * left out: an egress attempt is not a request (the egress page has its own counts).
   */
  requestDecisions: StatsSeries[];
  /** Egress attempts per decision (`allow`, `deny`, `error`). */
  egressDecisions: StatsSeries[];
  /**
   * `blocked`, `pseudonymized` and `errors` count requests only; `egressDenied` and
   * `egressErrors` count egress attempts.
   */
  totals: AuditStats['totals'] & {
    blocked: number;
    pseudonymized: number;
    errors: number;
    egressDenied: number;
    egressErrors: number;
  };
  /** Server time spent on the query, for the page footer. */
  queryMs: number;
}

/** One finding placed in the request: what the client sent there, and what left instead. */
export interface PlacedFinding {
  ruleId: string;
  category: string;
  severity: string;
  action: FindingAction;
  /** The masked preview of what the client sent. */
  sent: string;
  /** What left in its place, in words or masked (`«pseudonym»`, `[redacted]`, `(removed)`...). */
  left: string;
  valueHash: string;
}

/** The findings at one place (role and JSON path) of the request. */
export interface PlacedSegment {
  role: string;
  path: string;
  findings: PlacedFinding[];
}

export interface EventDetail {
  event: AuditEvent;
  /** Findings grouped by where they were in the request, in request order. */
  segments: PlacedSegment[];
  /**
   * Whether anything left at all: false when the request was blocked or failed, true for an
   * egress attempt the egress policy allowed.
   */
  forwarded: boolean;
}

export interface PolicyInfo {
  /** The policy file's path, or a name such as `built-in default`. */
  source?: string;
  /** The policy in force, as text (YAML). */
  text?: string;
  /** ISO 8601: when the policy in force was loaded. */
  loadedAt?: string;
  mode?: string;
  /** The last reload that failed (the previous policy stayed in force). */
  lastError?: { message: string; at: string };
  /** Settings of the text above that take effect at the next start (`vault`, `audit`). */
  atNextStart?: string[];
}

export interface EgressDestination {
  host: string;
  port: number;
  allowed: number;
  denied: number;
  errors: number;
  lastSeen: string;
  lastDecision: AuditDecision;
  /** The policy rule of the most recent attempt. */
  rule?: string;
}

export interface EgressReport {
  range: OverviewRange;
  destinations: EgressDestination[];
  recent: EventSummary[];
  /** Events read to build this report, and whether the cap cut it short. */
  scanned: number;
  truncated: boolean;
}
