/**
 * The audit record: one event per gateway request and per egress attempt. This is the only
 * shape the audit stores accept; it has no field for headers, raw bodies (the forensic body is
 * the redacted one that left, off by default) or matched values, so a raw secret or an API key
 * has nowhere to go. Field names are the export format (JSONL/CSV) and the hashed document.
 */
import type { Category, Severity } from '../detect/types.js';
import type { DialectId, Role } from '../dialects/types.js';
import type { Provider } from '../errors.js';
import type { FindingDecision } from '../gateway/inspector.js';

export type AuditKind = 'request' | 'egress';

/**
 * What happened to the request: `forward` (unchanged), `pseudonymize` (forwarded with values
 * replaced), `block` (refused by policy); for egress `allow` / `deny`; `error` when the gateway
 * failed (upstream unreachable, inspection failed...).
 */
export type AuditDecision = 'forward' | 'pseudonymize' | 'block' | 'allow' | 'deny' | 'error';

export const AUDIT_DECISIONS: readonly AuditDecision[] = [
  'forward',
  'pseudonymize',
  'block',
  'allow',
  'deny',
  'error',
];

export type FindingAction = FindingDecision['action'];

export interface AuditFinding {
  ruleId: string;
  category: Category;
  severity: Severity;
  role: Role;
  /** JSON path into the request body, e.g. `$.messages[2].content[0].text`. */
  path: string;
  action: FindingAction;
  /** Keyed hash of the value (never the value). */
  valueHash: string;
  /** Masked preview, at most PREVIEW_MAX characters. */
  preview: string;
}

/**
 * How the hashed document stores findings: consecutive findings that differ only in path and
 * role are one run, `at` listing their places as [path, role] in order (a real request names
 * the project path in a dozen places: one run, not a dozen copies of rule, hash and preview).
 * Readers get the findings back one by one (chain.ts eventFromDoc). Documents written before
 * runs hold one AuditFinding per finding (a member `path`, no `at`) and are read as they are.
 */
export interface AuditFindingRun {
  action: FindingAction;
  at: [path: string, role: Role][];
  category: Category;
  preview: string;
  ruleId: string;
  severity: Severity;
  valueHash: string;
}

export interface AuditClient {
  /** User-agent family (`claude-code`, `openai-sdk`, ...), never the raw user agent. */
  agent: string;
  /** The user when the gateway knows it (e.g. from an authenticated team gateway). */
  user?: string;
}

export interface AuditLatency {
  total: number;
  upstream?: number;
  inspect?: number;
}

export interface AuditEgress {
  host: string;
  port: number;
  /** The egress policy rule that allowed or denied it. */
  rule?: string;
}

/** The body as it actually left (after redaction), for forensics; off by default. */
export interface AuditForensic {
  body: string;
  /** Size of the whole body in bytes; `body` holds at most the configured cap. */
  bytes: number;
  truncated: boolean;
}

/**
 * A part of the request that left uninspected (a binary file in an upload): what a security
 * team needs to see that something went unread, never its content or its name in clear.
 */
export interface AuditUninspected {
  bytes: number;
  /** Where it was: the form field name (`file`), or `body` for a raw upload. */
  field: string;
  /** The file name, masked like a finding's preview. */
  name?: string;
  /** The content type the client declared, or "". */
  type: string;
}

/** The chain fields: each event carries its predecessor's hash in its instance's chain. */
export interface AuditChain {
  /** Time-ordered unique id (ULID). */
  id: string;
  /** The recorder (one gateway process) whose chain this event belongs to. */
  instance: string;
  /** 1, 2, 3... per instance, no gaps. */
  seq: number;
  /** Hash of the previous event of this instance; 64 zeros for the first. */
  prev_hash: string;
  /** sha256 (hex) of the canonical JSON of the event without this field. */
  hash: string;
}

/** What the gateway reports; the recorder adds the chain fields. */
export interface AuditEventBody {
  /** ISO 8601 UTC with milliseconds: when the request arrived. */
  time: string;
  kind: AuditKind;
  client: AuditClient;
  provider?: Provider;
  dialect?: DialectId;
  model?: string;
  method?: string;
  /** Path without query secrets (see sanitizePath). */
  path?: string;
  status?: number;
  latency_ms: AuditLatency;
  bytes_in: number;
  bytes_out: number;
  decision: AuditDecision;
  /** Policy mode in force (`enforce`, `monitor`, `off`). */
  mode?: string;
  findings: AuditFinding[];
  egress?: AuditEgress;
  /** Error code from src/errors.ts when decision is `error` or `block`. */
  error?: string;
  forensic?: AuditForensic;
  /** Parts of the request sent on uninspected (binary files); absent when there were none. */
  uninspected?: AuditUninspected[];
}

export type AuditEvent = AuditChain & AuditEventBody;

/** An event plus the exact bytes that were hashed; what the recorder hands to a store. */
export interface SealedEvent {
  event: AuditEvent;
  /** Canonical JSON of the event without `hash`; sha256(doc) === event.hash. */
  doc: string;
  /**
   * The event's spool line as UTF-8 bytes (chain.ts sealIntoLine), when the recorder made it:
   * written to the spool as they are, and the store takes the document's bytes from it instead
   * of encoding `doc` again.
   */
  line?: Buffer;
  /**
   * The event as the SQL stores index it (sql-reader.ts storeRow), when the recorder made it at
   * record time: a queued event then holds this and its line, not its objects.
   */
  row?: StoreRow;
}

/** One finding row of the SQL stores: rule, category, severity, action, and how many findings. */
export type FindingRow = [string, string, string, string, number];

/** An event's indexed columns (sql-reader.ts EVENT_COLUMNS without `doc`) and finding rows. */
export interface StoreRow {
  columns: (string | number | null)[];
  findings: FindingRow[];
}

export const GENESIS_HASH = '0'.repeat(64);
export const PREVIEW_MAX = 48;
