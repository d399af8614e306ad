/**
 * Exports events as JSONL (one event per line, exactly as stored, hashes included, so an
 * export can be checked against the chain) or CSV (one row per event, findings summarized).
 * Reads the store oldest first, as stored documents (a JSONL line is made from the document's
 * text, never parsed), writes a batch of lines at a time and respects the output's backpressure.
 */
import { once } from 'node:events';
import { documentOf, eventDocLatin1, eventFromDoc } from './chain.js';
import type { AuditStore, StoredDoc } from './store.js';
import type { AuditEvent } from './types.js';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportOptions {
  format: ExportFormat;
  since?: Date;
  until?: Date;
  /** Told the number of events written so far, after each page (a progress display). */
  onProgress?: (events: number) => void;
}

export interface LineSink {
  write(chunk: string | Buffer): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

export const CSV_COLUMNS = [
  'id',
  'time',
  'instance',
  'seq',
  'kind',
  'decision',
  'client',
  'user',
  'provider',
  'dialect',
  'model',
  'method',
  'path',
  'status',
  'latency_total_ms',
  'latency_upstream_ms',
  'latency_inspect_ms',
  'bytes_in',
  'bytes_out',
  'mode',
  'findings',
  'rules',
  'categories',
  'egress_host',
  'egress_port',
  'egress_rule',
  'error',
  'uninspected',
  'hash',
] as const;

/**
 * RFC 4180 quoting; a text cell that a spreadsheet would run as a formula (= + - @ or a
 * control character first) gets a leading apostrophe (OWASP CSV injection advice), since
 * model names and paths come from the client.
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The parts of a request that went uninspected, as `field:type:bytes` (and the masked file name),
 * `;` between them; undefined when it had none. Shared with `audit tail`.
 */
export function uninspectedSummary(e: AuditEvent): string | undefined {
  if (e.uninspected === undefined || !Array.isArray(e.uninspected)) return undefined;
  return e.uninspected
    .map((u) => [u.field, u.type || '-', u.bytes, ...(u.name === undefined ? [] : [u.name])].join(':'))
    .join(';');
}

export function csvRow(e: AuditEvent): string {
  const unique = (values: string[]) => [...new Set(values)].join(';');
  const cells: (string | number | undefined)[] = [
    e.id,
    e.time,
    e.instance,
    e.seq,
    e.kind,
    e.decision,
    e.client.agent,
    e.client.user,
    e.provider,
    e.dialect,
    e.model,
    e.method,
    e.path,
    e.status,
    e.latency_ms.total,
    e.latency_ms.upstream,
    e.latency_ms.inspect,
    e.bytes_in,
    e.bytes_out,
    e.mode,
    e.findings.length,
    unique(e.findings.map((f) => f.ruleId)),
    unique(e.findings.map((f) => f.category)),
    e.egress?.host,
    e.egress?.port,
    e.egress?.rule,
    e.error,
    uninspectedSummary(e),
    e.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * JSONL as stored: the hashed document with its hash added last, so that a line can be checked
 * against the chain (drop `hash`, canonicalize, sha256) whichever format wrote it (findings
 * as runs or one by one, docs/audit.md).
 */
export function formatEvent(e: AuditEvent, format: ExportFormat): string {
  if (format === 'csv') return csvRow(e);
  const doc = documentOf(e);
  const bytes = doc === undefined ? Buffer.from(eventDocLatin1(e), 'latin1') : Buffer.from(doc, 'utf8');
  return jsonlLines([{ doc: bytes, hash: e.hash }]).toString('utf8');
}

const HASH_HEAD = Buffer.from(',"hash":', 'latin1');
const NEWLINE = 0x0a;
const CLOSE = 0x7d;

/**
 * A batch of JSONL lines as one buffer, from the documents' bytes as stored (nothing decoded and
 * encoded again): each document without its closing brace, `,"hash":` and the quoted hash, `}`
 * and a newline.
 */
function jsonlLines(batch: readonly StoredDoc[]): Buffer {
  const hashes = batch.map(({ hash }) => JSON.stringify(hash));
  let size = 0;
  for (let i = 0; i < batch.length; i++)
    size += Math.max(0, batch[i]!.doc.length - 1) + HASH_HEAD.length + Buffer.byteLength(hashes[i]!) + 2;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < batch.length; i++) {
    const doc = batch[i]!.doc;
    pos += doc.copy(out, pos, 0, Math.max(0, doc.length - 1));
    pos += HASH_HEAD.copy(out, pos);
    pos += out.write(hashes[i]!, pos, 'utf8');
    out[pos++] = CLOSE;
    out[pos++] = NEWLINE;
  }
  return out;
}

/** Writes every matching event; returns how many. */
export async function exportEvents(
  store: AuditStore,
  options: ExportOptions,
  out: LineSink,
): Promise<number> {
  const write = async (chunk: string | Buffer) => {
    if (!out.write(chunk) && out.once) await once(out as unknown as NodeJS.EventEmitter, 'drain');
  };
  if (options.format === 'csv') await write(`${CSV_COLUMNS.join(',')}\r\n`);
  let count = 0;
  // One write per batch: a write per event cost more than reading it (200,000 write calls).
  for await (const batch of store.storedDocs({ since: options.since, until: options.until })) {
    if (options.format === 'csv') {
      let text = '';
      for (const { doc, hash } of batch) text += csvRow(eventFromDoc(doc.toString('utf8'), hash));
      await write(text);
    } else await write(jsonlLines(batch));
    count += batch.length;
    options.onProgress?.(count);
  }
  return count;
}
