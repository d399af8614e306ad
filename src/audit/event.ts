/**
 * Builds the audit event body from what the gateway knows about a request, copying only the
 * audit fields (so a caller cannot slip headers or a raw value in by passing a wider object),
 * dropping query-string secrets from the path, masking secrets in its segments and in member
 * names of finding paths (secret-names.ts), and capping every free-text field.
 */
import { maskValue } from '../detect/mask.js';
import type { JsonPath, UninspectedPart } from '../dialects/types.js';
import type { FindingDecision } from '../gateway/inspector.js';
import { runKey, sameRun } from './chain.js';
import { clientFamily } from './client.js';
import { maskPathSegments, maskQueryValues } from './secret-names.js';
import type {
  AuditChain,
  AuditDecision,
  AuditEgress,
  AuditEventBody,
  AuditFinding,
  AuditForensic,
  AuditKind,
  AuditLatency,
  AuditUninspected,
} from './types.js';
import { PREVIEW_MAX } from './types.js';
import type { Provider } from '../errors.js';
import type { DialectId } from '../dialects/types.js';
import { jsonPathText } from '../json-path-text.js';

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
  /**
   * `findings` already made into the event's form by auditFindings (and their JSON by
   * prepareFindingsJson): the gateway does this while it waits for the upstream, so that the
   * record made before the answer's last byte does not. Takes the place of `findings`.
   */
  preparedFindings?: readonly AuditFinding[];
  egress?: AuditEgress;
  error?: string;
  /** The body as it left (already redacted); kept only when the recorder's forensic cap > 0. */
  forensicBody?: string;
  /** Parts of the request sent on uninspected; their file names are masked here. */
  uninspected?: readonly UninspectedPart[];
}

/** Query parameters that carry no secret and help reading the log; every other one is dropped. */
const SAFE_QUERY_PARAMS = new Set(['alt', 'beta', 'api-version', 'stream', 'limit', 'after', 'before']);

const MAX = { model: 200, path: 2048, user: 200, mode: 40, error: 100, host: 255, rule: 200 };

function cap(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Keeps the path, with segments that hold a secret or personal data masked (`/v1/files/[…]`),
 * and the known-harmless query parameters, their values masked the same way: `?key=AIza...`
 * never reaches the log.
 */
export function sanitizePath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return maskPathSegments(path);
  const kept = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(path.slice(q + 1))) {
    if (SAFE_QUERY_PARAMS.has(name.toLowerCase())) kept.append(name, value);
  }
  const query = maskQueryValues(kept);
  const clean = maskPathSegments(path.slice(0, q));
  return query ? `${clean}?${query}` : clean;
}

/** `['messages', 2, 'content']` → `$.messages[2].content`; `['input', 'ghp_…']` → `$.input[…]`. */
export function jsonPathToString(path: JsonPath): string {
  return jsonPathText(path, '$');
}

export function auditFinding(decision: FindingDecision): AuditFinding {
  const { finding } = decision;
  // Keys in UTF-16 order (see buildEventFields).
  return {
    action: decision.action,
    category: finding.category,
    path: jsonPathToString(finding.path),
    preview: decision.preview.slice(0, PREVIEW_MAX),
    role: finding.role,
    ruleId: finding.ruleId,
    severity: finding.severity,
    valueHash: decision.valueHash,
  };
}

/** Up to this many findings each is compared with the runs so far; past it, a map keys them. */
const SCAN_MAX = 64;

/**
 * The findings with all places of one value together (stable, values in order of first
 * appearance), so that the document stores each value as one run (chain.ts): a request names
 * its project path in the system prompt, then other values, then again in every tool call. A
 * long conversation names a few values thousands of times, interleaved: left in order (as they
 * were past 64 findings), each place was a run of its own, and one event of a 1 MB request took
 * 800 KB of the audit log. A request's usual dozen findings are compared with the few runs so far
 * (4 µs less per event than building each one's map key).
 */
function byValue(findings: AuditFinding[]): AuditFinding[] {
  if (findings.length < 3) return findings;
  const runs: AuditFinding[][] = [];
  const keyed = findings.length > SCAN_MAX ? new Map<string, AuditFinding[]>() : undefined;
  let moved = false;
  let last: AuditFinding[] | undefined;
  for (const f of findings) {
    let run: AuditFinding[] | undefined;
    if (keyed !== undefined) run = keyed.get(runKey(f));
    else
      for (let i = runs.length - 1; i >= 0 && run === undefined; i--)
        if (sameRun(runs[i]![0]!, f)) run = runs[i];
    if (run === undefined) {
      runs.push((last = [f]));
      keyed?.set(runKey(f), last);
    } else {
      if (run !== last) moved = true;
      run.push(f);
      last = run;
    }
  }
  return moved ? runs.flat() : findings;
}

/** The findings of a request as its audit event lists them: each value's places together. */
export function auditFindings(decisions: readonly FindingDecision[]): readonly AuditFinding[] {
  return byValue(decisions.map(auditFinding));
}

/** A form field name or a content type as the client wrote it, when it is one; masked otherwise. */
const FIELD_NAME = /^[\w.[\]-]{1,100}$/;
const CONTENT_TYPE = /^[\w.+-]{1,60}\/[\w.+-]{1,100}$/;

function auditUninspected(parts: readonly UninspectedPart[]): AuditUninspected[] {
  // Keys in UTF-16 order (see buildEventFields).
  return parts.map((p) => {
    const u: Loose = { bytes: int(p.bytes) ?? 0 };
    u.field = FIELD_NAME.test(p.field) ? p.field : maskValue(p.field, false);
    if (p.filename !== undefined && p.filename !== '') u.name = maskValue(p.filename, false);
    u.type = p.type === '' || CONTENT_TYPE.test(p.type) ? p.type.toLowerCase() : maskValue(p.type, false);
    return u as unknown as AuditUninspected;
  });
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

/** Where the event sits in its chain (see chain.ts). */
export interface ChainFields {
  id: string;
  instance: string;
  seq: number;
  prevHash: string;
}

type Loose = Record<string, unknown>;

/**
 * The event as one object whose keys, nested ones too, are inserted in UTF-16 order, with no
 * undefined member: JSON.stringify of it is its canonical JSON (chain.ts). With `at`, the chain
 * fields are in it too (all but the hash): the recorder builds, serializes and hashes this one
 * object per request instead of a body and then a sorted copy of it.
 */
export function buildEventFields(
  input: AuditEventInput,
  forensicMaxBytes = 0,
  at?: ChainFields,
): AuditEventBody & Partial<Omit<AuditChain, 'hash'>> {
  const e: Loose = {};
  e.bytes_in = int(input.bytes_in) ?? 0;
  e.bytes_out = int(input.bytes_out) ?? 0;
  const agent = clientFamily(input.userAgent);
  const user = cap(input.user, MAX.user);
  e.client = user ? { agent, user } : { agent };
  e.decision = input.decision;
  if (input.dialect !== undefined) e.dialect = input.dialect;
  if (input.egress) {
    const g: Loose = { host: cap(input.egress.host, MAX.host) ?? '', port: int(input.egress.port) ?? 0 };
    const rule = cap(input.egress.rule, MAX.rule);
    if (rule !== undefined) g.rule = rule;
    e.egress = g;
  }
  const error = cap(input.error, MAX.error);
  if (error !== undefined) e.error = error;
  e.findings = input.preparedFindings ?? (input.findings ? auditFindings(input.findings) : []);
  const kept = forensic(input.forensicBody, forensicMaxBytes);
  if (kept) e.forensic = kept;
  if (at) {
    e.id = at.id;
    e.instance = at.instance;
  }
  e.kind = input.kind;
  const latency: Loose = {};
  const inspect = nonNegative(input.latency_ms.inspect);
  if (inspect !== undefined) latency.inspect = inspect;
  latency.total = nonNegative(input.latency_ms.total) ?? 0;
  const upstream = nonNegative(input.latency_ms.upstream);
  if (upstream !== undefined) latency.upstream = upstream;
  e.latency_ms = latency;
  const method = cap(input.method?.toUpperCase(), 16);
  if (method !== undefined) e.method = method;
  const mode = cap(input.mode, MAX.mode);
  if (mode !== undefined) e.mode = mode;
  // The client names the model (Gemini in the URL path): a secret put there is masked like
  // one in the path (the segments of a name such as `models/x` each on their own).
  const model = cap(input.model, MAX.model);
  if (model !== undefined) e.model = maskPathSegments(model);
  if (input.path !== undefined) e.path = cap(sanitizePath(input.path), MAX.path);
  if (at) e.prev_hash = at.prevHash;
  if (input.provider !== undefined) e.provider = input.provider;
  if (at) e.seq = at.seq;
  const status = int(input.status);
  if (status !== undefined) e.status = status;
  e.time = (input.time === undefined ? new Date() : new Date(input.time)).toISOString();
  // Only an upload with a binary part has any: nothing is done for the others.
  if (input.uninspected !== undefined && input.uninspected.length > 0)
    e.uninspected = auditUninspected(input.uninspected);
  return e as unknown as AuditEventBody & Partial<Omit<AuditChain, 'hash'>>;
}

export function buildEventBody(input: AuditEventInput, forensicMaxBytes = 0): AuditEventBody {
  return buildEventFields(input, forensicMaxBytes);
}
