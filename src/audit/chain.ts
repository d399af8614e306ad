/**
 * The hash chain. Each event's hash is sha256 over the canonical JSON of the whole event except
 * the hash itself; that document includes `prev_hash`, the hash of the instance's previous
 * event, so editing, deleting or reordering a stored row breaks a link that `verify` finds.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { AuditEvent, AuditEventBody, SealedEvent } from './types.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface ChainPosition {
  id: string;
  instance: string;
  seq: number;
  prevHash: string;
}

export function seal(body: AuditEventBody, at: ChainPosition): SealedEvent {
  const unsigned = { ...body, id: at.id, instance: at.instance, seq: at.seq, prev_hash: at.prevHash };
  const doc = canonicalJson(unsigned);
  const event: AuditEvent = { ...unsigned, hash: sha256Hex(doc) };
  return { event, doc };
}

/** Parses a stored document back into the event it describes. */
export function eventFromDoc(doc: string, hash: string): AuditEvent {
  const parsed = JSON.parse(doc) as AuditEvent;
  parsed.hash = hash;
  return parsed;
}

// A spool line is `{"hash":"<64 hex>","event":<doc>}`: the doc is embedded verbatim, so replay
// recovers the exact hashed bytes by slicing, and a torn or edited line fails the hash check.
const LINE_HEAD = '{"hash":"';
const LINE_MID = '","event":';
const DOC_START = LINE_HEAD.length + 64 + LINE_MID.length;

export function spoolLine(sealed: SealedEvent): string {
  return `${LINE_HEAD}${sealed.event.hash}${LINE_MID}${sealed.doc}}\n`;
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
