/**
 * The hash chain. Each event's hash is sha256 over the canonical JSON of the whole event except
 * the hash itself; that document includes `prev_hash`, the hash of the instance's previous
 * event, so editing, deleting or reordering a stored row breaks a link that `verify` finds.
 */
import { hash } from 'node:crypto';
import { BoundedMemo } from '../bounded-memo.js';
import type {
  AuditEvent,
  AuditEventBody,
  AuditFinding,
  AuditFindingRun,
  SealedEvent,
  StoreRow,
} from './types.js';

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export interface ChainPosition {
  id: string;
  instance: string;
  seq: number;
  prevHash: string;
}

type Loose = Record<string, unknown>;

/**
 * Builds the unsigned event with every key, nested ones too, inserted in UTF-16 order and no
 * undefined member: the native JSON.stringify of such an object is exactly canonicalJson's
 * output (a property test keeps the two equal) at a fraction of the cost on the request path.
 * Written out by hand, not with a generic sorted copy, so the objects keep one shape each.
 */
function unsignedEvent(b: AuditEventBody, at: ChainPosition): Loose {
  const e: Loose = {};
  e.bytes_in = b.bytes_in;
  e.bytes_out = b.bytes_out;
  e.client =
    b.client.user === undefined ? { agent: b.client.agent } : { agent: b.client.agent, user: b.client.user };
  e.decision = b.decision;
  if (b.dialect !== undefined) e.dialect = b.dialect;
  if (b.egress !== undefined) {
    const g: Loose = { host: b.egress.host, port: b.egress.port };
    if (b.egress.rule !== undefined) g.rule = b.egress.rule;
    e.egress = g;
  }
  if (b.error !== undefined) e.error = b.error;
  e.findings = b.findings.map((f) => ({
    action: f.action,
    category: f.category,
    path: f.path,
    preview: f.preview,
    role: f.role,
    ruleId: f.ruleId,
    severity: f.severity,
    valueHash: f.valueHash,
  }));
  if (b.forensic !== undefined) {
    e.forensic = { body: b.forensic.body, bytes: b.forensic.bytes, truncated: b.forensic.truncated };
  }
  e.id = at.id;
  e.instance = at.instance;
  e.kind = b.kind;
  const l: Loose = {};
  if (b.latency_ms.inspect !== undefined) l.inspect = b.latency_ms.inspect;
  l.total = b.latency_ms.total;
  if (b.latency_ms.upstream !== undefined) l.upstream = b.latency_ms.upstream;
  e.latency_ms = l;
  if (b.method !== undefined) e.method = b.method;
  if (b.mode !== undefined) e.mode = b.mode;
  if (b.model !== undefined) e.model = b.model;
  if (b.path !== undefined) e.path = b.path;
  e.prev_hash = at.prevHash;
  if (b.provider !== undefined) e.provider = b.provider;
  e.seq = at.seq;
  if (b.status !== undefined) e.status = b.status;
  e.time = b.time;
  if (b.uninspected !== undefined)
    e.uninspected = b.uninspected.map((u) => {
      const o: Loose = { bytes: u.bytes, field: u.field };
      if (u.name !== undefined) o.name = u.name;
      o.type = u.type;
      return o;
    });
  return e;
}

export function seal(body: AuditEventBody, at: ChainPosition): SealedEvent {
  return sealOrdered(unsignedEvent(body, at) as unknown as Omit<AuditEvent, 'hash'>);
}

/**
 * Seals an event that already has every key, nested ones too, in UTF-16 order and no undefined
 * member (unsignedEvent's, or buildEventFields with its chain position): JSON.stringify of its
 * storedForm is its canonical JSON. The recorder does not come here: it writes the same document as bytes
 * straight into its spool line (eventDocParts, sealIntoLine).
 */
export function sealOrdered(unsigned: Omit<AuditEvent, 'hash'>): SealedEvent {
  const doc = JSON.stringify(storedForm(unsigned));
  const event = unsigned as AuditEvent;
  event.hash = sha256Hex(doc);
  return { event, doc };
}

/** Whether two findings differ at most in path and role: one run of the document (types.ts). */
/** What sameRun compares, as one string: findings with equal keys belong to one run. */
export function runKey(f: AuditFinding): string {
  return `${f.valueHash}\0${f.ruleId}\0${f.preview}\0${f.action}\0${f.category}\0${f.severity}`;
}

export function sameRun(a: AuditFinding, b: AuditFinding): boolean {
  return (
    a.valueHash === b.valueHash &&
    a.ruleId === b.ruleId &&
    a.preview === b.preview &&
    a.action === b.action &&
    a.category === b.category &&
    a.severity === b.severity
  );
}

/** The findings as the document stores them: runs (AuditFindingRun), keys in UTF-16 order. */
export function findingRuns(findings: readonly AuditFinding[]): AuditFindingRun[] {
  const runs: AuditFindingRun[] = [];
  let last: AuditFinding | undefined;
  for (const f of findings) {
    if (last && sameRun(last, f)) {
      runs[runs.length - 1]!.at.push([f.path, f.role]);
    } else {
      runs.push({
        action: f.action,
        at: [[f.path, f.role]],
        category: f.category,
        preview: f.preview,
        ruleId: f.ruleId,
        severity: f.severity,
        valueHash: f.valueHash,
      });
    }
    last = f;
  }
  return runs;
}

/**
 * An unsigned event whose keys are in UTF-16 order as the document holds it (findings as runs):
 * JSON.stringify of it is the canonical JSON that is hashed.
 */
export function storedForm(unsigned: Omit<AuditEvent, 'hash'>): Record<string, unknown> {
  return { ...unsigned, findings: findingRuns(unsigned.findings) };
}

/** What JSON.stringify would escape in a string: quote, backslash, control characters, surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** ...or anything that is not ASCII: such strings take the slow path. */
// eslint-disable-next-line no-control-regex -- as above
const NOT_PLAIN = /["\\\u0000-\u001f\u0080-\uffff]/;

/**
 * A string as JSON, in the form eventDocLatin1 writes: its UTF-8 bytes one per character (a
 * Latin-1 string). ASCII is the same in both; anything else is encoded here.
 */
function str(value: string): string {
  if (!NOT_PLAIN.test(value)) return `"${value}"`;
  const json = NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  // JSON.stringify escaped any lone surrogate: the UTF-8 encoding is exact.
  return Buffer.from(json, 'utf8').toString('latin1');
}

/**
 * Quoted forms of the few words events are made of (decisions, rules, categories, models, and
 * masked previews, which keep only a few characters of a value and so repeat across values).
 */
const WORDS = new BoundedMemo<string, string>(1024);

function word(value: string): string {
  let quoted = WORDS.get(value);
  if (quoted === undefined) {
    quoted = str(value);
    WORDS.set(value, quoted);
  }
  return quoted;
}

/** The members of a run after its places. */
function runTail(f: AuditFinding): string {
  return (
    `]],"category":${word(f.category)},"preview":${word(f.preview)},"ruleId":${word(f.ruleId)},` +
    `"severity":${word(f.severity)},"valueHash":${str(f.valueHash)}}`
  );
}

/** Findings lists whose JSON was written ahead (prepareFindingsJson), as its bytes, by identity. */
const preparedJson = new WeakMap<readonly AuditFinding[], Buffer>();

/**
 * Writes the JSON of an event's findings list ahead of the event (the gateway does it in the
 * wait for the upstream), as the bytes it will have in the spool line; the document of an event
 * holding this very list, unchanged, uses them. Bytes, not a string: a string made of a finding
 * at a time is a rope, and copying a rope into the spool line flattens it first (a 2 KB document
 * took 3-6 µs to copy as a rope, 0.5-0.8 µs as this buffer and two short strings).
 */
export function prepareFindingsJson(findings: readonly AuditFinding[]): void {
  preparedJson.set(findings, Buffer.from(findingsJson(findings), 'latin1'));
}

/** findingRuns(findings) as JSON.stringify writes it. */
function findingsJson(findings: readonly AuditFinding[]): string {
  let out = '[';
  let last: AuditFinding | undefined;
  for (const f of findings) {
    if (!last) out += `{"action":${word(f.action)},"at":[[`;
    else if (sameRun(last, f)) out += '],[';
    else out += `${runTail(last)},{"action":${word(f.action)},"at":[[`;
    out += `${str(f.path)},${word(f.role)}`;
    last = f;
  }
  return last ? `${out}${runTail(last)}]` : '[]';
}

/**
 * The canonical JSON of an unsigned event built by buildEventFields (keys in UTF-16 order, no
 * undefined member), written out member by member as its UTF-8 bytes, one per character: a
 * Latin-1 string whose bytes (`Buffer.from(doc, 'latin1')`) are exactly those of JSON.stringify
 * of its storedForm in UTF-8 (a property test keeps the two equal). Cheaper than JSON.stringify, most
 * of it saved on the findings; and a one-byte string, which is copied into the spool line
 * instead of encoded (a single `…` in a preview makes JSON.stringify's a two-byte string, whose
 * UTF-8 encoding costs about as much as hashing it). A member added to buildEventFields must be
 * added here too (the same test fails until it is).
 */
export function eventDocLatin1(e: Omit<AuditEvent, 'hash'>): string {
  const { head, findings, tail } = eventDocParts(e);
  return head + (typeof findings === 'string' ? findings : findings.toString('latin1')) + tail;
}

/**
 * eventDocLatin1's document in three parts: the members before the findings, the findings (the
 * bytes prepared ahead, when there are), and the members after them. `length` is the whole
 * document's, in bytes.
 */
export interface EventDocParts {
  head: string;
  findings: string | Buffer;
  tail: string;
  length: number;
}

export function eventDocParts(e: Omit<AuditEvent, 'hash'>): EventDocParts {
  let head = `{"bytes_in":${e.bytes_in},"bytes_out":${e.bytes_out},"client":{"agent":${word(e.client.agent)}`;
  if (e.client.user !== undefined) head += `,"user":${str(e.client.user)}`;
  head += `},"decision":${word(e.decision)}`;
  if (e.dialect !== undefined) head += `,"dialect":${word(e.dialect)}`;
  if (e.egress !== undefined) {
    head += `,"egress":{"host":${str(e.egress.host)},"port":${e.egress.port}`;
    if (e.egress.rule !== undefined) head += `,"rule":${str(e.egress.rule)}`;
    head += '}';
  }
  if (e.error !== undefined) head += `,"error":${word(e.error)}`;
  head += ',"findings":';
  const findings = preparedJson.get(e.findings) ?? findingsJson(e.findings);
  let out = '';
  if (e.forensic !== undefined) {
    const f = e.forensic;
    out += `,"forensic":{"body":${str(f.body)},"bytes":${f.bytes},"truncated":${f.truncated}}`;
  }
  out += `,"id":${str(e.id)},"instance":${word(e.instance)},"kind":${word(e.kind)},"latency_ms":{`;
  const l = e.latency_ms;
  if (l.inspect !== undefined) out += `"inspect":${l.inspect},`;
  out += `"total":${l.total}`;
  if (l.upstream !== undefined) out += `,"upstream":${l.upstream}`;
  out += '}';
  if (e.method !== undefined) out += `,"method":${word(e.method)}`;
  if (e.mode !== undefined) out += `,"mode":${word(e.mode)}`;
  if (e.model !== undefined) out += `,"model":${word(e.model)}`;
  if (e.path !== undefined) out += `,"path":${str(e.path)}`;
  out += `,"prev_hash":${str(e.prev_hash)}`;
  if (e.provider !== undefined) out += `,"provider":${word(e.provider)}`;
  out += `,"seq":${e.seq}`;
  if (e.status !== undefined) out += `,"status":${e.status}`;
  out += `,"time":${str(e.time)}`;
  if (e.uninspected !== undefined) {
    out += ',"uninspected":[';
    e.uninspected.forEach((u, i) => {
      out += `${i === 0 ? '' : ','}{"bytes":${u.bytes},"field":${str(u.field)}`;
      if (u.name !== undefined) out += `,"name":${str(u.name)}`;
      out += `,"type":${str(u.type)}}`;
    });
    out += ']';
  }
  const tail = `${out}}`;
  return { head, findings, tail, length: head.length + findings.length + tail.length };
}

/** The stored document of each event read from one, for an export as stored (export.ts). */
const documents = new WeakMap<AuditEvent, string>();

/**
 * Parses a stored document back into the event it describes, its findings one by one (a run
 * of the document stands for as many findings as it has places, in order); documents written
 * before runs are read as they are.
 */
export function eventFromDoc(doc: string, hash: string): AuditEvent {
  const parsed = JSON.parse(doc) as AuditEvent;
  const stored: unknown = parsed.findings;
  // An edited row may hold anything: only an array of objects with runs in it is expanded.
  if (Array.isArray(stored) && stored.some((f) => f !== null && typeof f === 'object' && 'at' in f)) {
    parsed.findings = expandRuns(stored);
  }
  parsed.hash = hash;
  documents.set(parsed, doc);
  return parsed;
}

function expandRuns(stored: readonly unknown[]): AuditFinding[] {
  const out: AuditFinding[] = [];
  for (const f of stored) {
    // Anything else than a run (a finding of the first format, or what an edit left) as it is.
    if (f === null || typeof f !== 'object' || !('at' in f) || !Array.isArray(f.at)) {
      out.push(f as AuditFinding);
      continue;
    }
    const run = f as AuditFindingRun;
    for (const place of run.at as unknown[]) {
      const [path, role] = (Array.isArray(place) ? place : []) as AuditFindingRun['at'][number];
      out.push({
        action: run.action,
        category: run.category,
        path,
        preview: run.preview,
        role,
        ruleId: run.ruleId,
        severity: run.severity,
        valueHash: run.valueHash,
      });
    }
  }
  return out;
}

/** The document an event was read from (eventFromDoc), exactly as stored and hashed. */
export function documentOf(event: AuditEvent): string | undefined {
  return documents.get(event);
}

// A spool line is `{"hash":"<64 hex>","event":<doc>}`: the doc is embedded verbatim, so replay
// recovers the exact hashed bytes by slicing, and a torn or edited line fails the hash check.
const LINE_HEAD = '{"hash":"';
const LINE_MID = '","event":';
const DOC_START = LINE_HEAD.length + 64 + LINE_MID.length;

export function spoolLine(sealed: SealedEvent): string {
  return `${LINE_HEAD}${sealed.event.hash}${LINE_MID}${sealed.doc}}\n`;
}

/** Where the document starts in a spool line's bytes; it ends 2 bytes before the line does. */
export const SPOOL_DOC_START = DOC_START;

/**
 * A sealed event kept as its spool line's bytes and its store row (the recorder's queue): no
 * queued event holds its objects (findings, strings) until it is committed, so they die young
 * instead of being promoted by the young generation's collections and marked by the old's. The
 * document, and from it the event, is decoded again only when a store asks for them (the
 * PostgreSQL store asks for the document).
 */
export class LineSealedEvent implements SealedEvent {
  constructor(
    readonly line: Buffer,
    readonly row: StoreRow,
  ) {}

  get doc(): string {
    return this.line.toString('utf8', DOC_START, this.line.length - 2);
  }

  get event(): AuditEvent {
    return eventFromDoc(this.doc, this.line.toString('latin1', LINE_HEAD.length, LINE_HEAD.length + 64));
  }
}

/** The bytes of the spool line of a document in parts (eventDocParts): the room sealIntoLine needs. */
export function spoolLineBytes(parts: EventDocParts): number {
  return DOC_START + parts.length + 2;
}

/** A whole Latin-1 document (eventDocLatin1) as parts with nothing prepared. */
export function wholeDocParts(docLatin1: string): EventDocParts {
  return { head: docLatin1, findings: '', tail: '', length: docLatin1.length };
}

/**
 * Seals a document straight into its spool line's bytes: writes the line into `buf` at
 * `offset` (which must have spoolLineBytes(parts) bytes of room), the document's parts one after
 * the other where it goes (the prepared findings copied as bytes), hashes the document as
 * written and puts the hash in its place. The same bytes serve the hash, the spool write and the
 * store (`spoolLine` of the same event gives them as a string); returns the hash and the line's
 * length.
 */
export function sealIntoLine(
  buf: Buffer,
  offset: number,
  parts: EventDocParts,
): { hash: string; length: number } {
  buf.write(LINE_HEAD, offset, 'latin1');
  buf.write(LINE_MID, offset + LINE_HEAD.length + 64, 'latin1');
  const start = offset + DOC_START;
  let end = start + buf.write(parts.head, start, 'latin1');
  const { findings } = parts;
  end += typeof findings === 'string' ? buf.write(findings, end, 'latin1') : findings.copy(buf, end);
  end += buf.write(parts.tail, end, 'latin1');
  buf[end] = 0x7d; // }
  buf[end + 1] = 0x0a; // \n
  const hex = hash('sha256', buf.subarray(start, end), 'hex');
  buf.write(hex, offset + LINE_HEAD.length, 'latin1');
  return { hash: hex, length: end + 2 - offset };
}

/** The sealed event of one spool line (without its newline), or undefined when damaged. */
export function parseSpoolLine(line: string): SealedEvent | undefined {
  if (!line.startsWith(LINE_HEAD) || line.slice(LINE_HEAD.length + 64, DOC_START) !== LINE_MID)
    return undefined;
  if (!line.endsWith('}')) return undefined;
  const hash = line.slice(LINE_HEAD.length, LINE_HEAD.length + 64);
  const doc = line.slice(DOC_START, -1);
  if (sha256Hex(doc) !== hash) return undefined;
  try {
    const event = eventFromDoc(doc, hash);
    if (typeof event.id !== 'string' || typeof event.seq !== 'number') return undefined;
    return { event, doc };
  } catch {
    return undefined;
  }
}
