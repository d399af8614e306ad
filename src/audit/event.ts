/**
 * Builds the audit event body from what the gateway knows about a request, copying only the
 * audit fields (so a caller cannot slip headers or a raw value in by passing a wider object),
 * dropping query-string secrets from the path and capping every free-text field.
 */
import type { JsonPath } from '../dialects/types.js';
import type { FindingDecision } from '../gateway/inspector.js';
import { clientFamily } from './client.js';
import type {
  AuditClient,
  AuditDecision,
  AuditEgress,
  AuditEventBody,
  AuditFinding,
  AuditForensic,
  AuditKind,
  AuditLatency,
} from './types.js';
import { PREVIEW_MAX } from './types.js';
import type { Provider } from '../errors.js';
import type { DialectId } from '../dialects/types.js';

export interface AuditEventInput {
  /** When the request arrived; default now. */
  time?: Date | number;
  kind: AuditKind;
  /** Raw User-Agent header: only its family is kept. */
  userAgent?: string;
  user?: string;
  provider?: Provider;
  dialect?: DialectId;
  model?: string;
  method?: string;
  /** Path as received, query string included: secrets in it are dropped here. */
  path?: string;
  status?: number;
  latency_ms: AuditLatency;
  bytes_in?: number;
  bytes_out?: number;
  decision: AuditDecision;
  mode?: string;
  findings?: readonly FindingDecision[];
  egress?: AuditEgress;
  error?: string;
  /** The body as it left (already redacted); kept only when the recorder's forensic cap > 0. */
  forensicBody?: string;
}

/** Query parameters that carry no secret and help reading the log; every other one is dropped. */
const SAFE_QUERY_PARAMS = new Set(['alt', 'beta', 'api-version', 'stream', 'limit', 'after', 'before']);

const MAX = { model: 200, path: 2048, user: 200, mode: 40, error: 100, host: 255, rule: 200 };

function cap(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

/** Keeps the path and the known-harmless query parameters: `?key=AIza...` never reaches the log. */
export function sanitizePath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const kept = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(path.slice(q + 1))) {
    if (SAFE_QUERY_PARAMS.has(name.toLowerCase())) kept.append(name, value);
  }
  const query = kept.toString();
  return query ? `${path.slice(0, q)}?${query}` : path.slice(0, q);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `['messages', 2, 'content']` → `$.messages[2].content`. */
export function jsonPathToString(path: JsonPath): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export function auditFinding(decision: FindingDecision): AuditFinding {
  const { finding } = decision;
  return {
    ruleId: finding.ruleId,
    category: finding.category,
    severity: finding.severity,
    role: finding.role,
    path: jsonPathToString(finding.path),
    action: decision.action,
    valueHash: decision.valueHash,
    preview: decision.preview.slice(0, PREVIEW_MAX),
  };
}

function forensic(body: string | undefined, maxBytes: number): AuditForensic | undefined {
  if (body === undefined || maxBytes <= 0) return undefined;
  const bytes = Buffer.byteLength(body);
  if (bytes <= maxBytes) return { body, bytes, truncated: false };
  return { body: Buffer.from(body).subarray(0, maxBytes).toString('utf8'), bytes, truncated: true };
}

function nonNegative(n: number | undefined): number | undefined {
  return n === undefined || !Number.isFinite(n) ? undefined : Math.max(0, Math.round(n * 1000) / 1000);
}

/** Numbers must be finite for the canonical JSON: anything else is left out. */
function int(n: number | undefined): number | undefined {
  return n === undefined || !Number.isFinite(n) ? undefined : Math.max(0, Math.round(n));
}

/** Drops undefined members so the event equals what the store gives back (JSON has no undefined). */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

export function buildEventBody(input: AuditEventInput, forensicMaxBytes = 0): AuditEventBody {
  const time = input.time === undefined ? new Date() : new Date(input.time);
  const client: AuditClient = { agent: clientFamily(input.userAgent) };
  const user = cap(input.user, MAX.user);
  if (user) client.user = user;
  const latency: AuditLatency = { total: nonNegative(input.latency_ms.total) ?? 0 };
  const upstream = nonNegative(input.latency_ms.upstream);
  const inspect = nonNegative(input.latency_ms.inspect);
  if (upstream !== undefined) latency.upstream = upstream;
  if (inspect !== undefined) latency.inspect = inspect;
  return compact({
    time: time.toISOString(),
    kind: input.kind,
    client,
    provider: input.provider,
    dialect: input.dialect,
    model: cap(input.model, MAX.model),
    method: cap(input.method?.toUpperCase(), 16),
    path: cap(input.path === undefined ? undefined : sanitizePath(input.path), MAX.path),
    status: int(input.status),
    latency_ms: latency,
    bytes_in: int(input.bytes_in) ?? 0,
    bytes_out: int(input.bytes_out) ?? 0,
    decision: input.decision,
    mode: cap(input.mode, MAX.mode),
    findings: (input.findings ?? []).map(auditFinding),
    egress:
      input.egress &&
      compact({
        host: cap(input.egress.host, MAX.host) ?? '',
        port: int(input.egress.port) ?? 0,
        rule: cap(input.egress.rule, MAX.rule),
      }),
    error: cap(input.error, MAX.error),
    forensic: forensic(input.forensicBody, forensicMaxBytes),
  });
}
