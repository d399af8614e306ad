/**
 * The read side shared by the SQLite and PostgreSQL stores: the same SQL (row values, keyset
 * paging, integer bucket arithmetic) runs on both; only placeholders and casts differ.
 */
import type { Severity } from '../detect/types.js';
import { eventFromDoc } from './chain.js';
import {
  advanceChangesCursor,
  formatChangesCursor,
  parseChangesCursor,
  type ChangesCursor,
} from './changes-cursor.js';
import type { AuditChanges, AuditFilter, AuditPage, ChainAnchor } from './store.js';
import type { AuditEvent, FindingRow, SealedEvent, StoreRow } from './types.js';

export type SqlRow = Record<string, unknown>;

export interface SqlRunner {
  /** `$1`-style for PostgreSQL, `?` for SQLite. */
  param(index: number): string;
  /** Cast for an integer parameter used in arithmetic (PostgreSQL needs `::bigint`). */
  intParam(index: number): string;
  all(sql: string, params: readonly unknown[]): Promise<SqlRow[]>;
}

export interface SqlTables {
  events: string;
  findings: string;
  anchors: string;
  rollup: string;
}

export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly runner: SqlRunner) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.runner.param(this.values.length);
  }
  int(value: number): string {
    this.values.push(value);
    return this.runner.intParam(this.values.length);
  }
}

function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && typeof parts[0] === 'number' && typeof parts[1] === 'string') {
      return [parts[0], parts[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new Error(`invalid audit cursor "${cursor}"`);
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function toEvent(row: SqlRow): AuditEvent {
  return eventFromDoc(String(row.doc), String(row.hash));
}

function whereClause(filter: AuditFilter, p: Params, t: SqlTables): string[] {
  const where: string[] = [];
  if (filter.since) where.push(`e.ts >= ${p.int(filter.since.getTime())}`);
  if (filter.until) where.push(`e.ts < ${p.int(filter.until.getTime())}`);
  for (const column of ['kind', 'provider', 'client', 'model', 'instance'] as const) {
    const value = filter[column];
    if (value !== undefined) where.push(`e.${column} = ${p.add(value)}`);
  }
  if (filter.decision !== undefined) {
    const decisions = Array.isArray(filter.decision) ? filter.decision : [filter.decision];
    where.push(decisions.length ? `e.decision IN (${decisions.map((d) => p.add(d)).join(', ')})` : '1 = 0');
  }
  if (filter.hasFindings !== undefined) where.push(filter.hasFindings ? 'e.findings > 0' : 'e.findings = 0');
  if (filter.minSeverity) where.push(`e.max_severity >= ${p.int(SEVERITY_RANK[filter.minSeverity])}`);
  if (filter.rule !== undefined || filter.category !== undefined) {
    const inner = ['f.event_row = e.row_id'];
    if (filter.rule !== undefined) inner.push(`f.rule_id = ${p.add(filter.rule)}`);
    if (filter.category !== undefined) inner.push(`f.category = ${p.add(filter.category)}`);
    where.push(`EXISTS (SELECT 1 FROM ${t.findings} f WHERE ${inner.join(' AND ')})`);
  }
  return where;
}

/**
 * One keyset page of events in time order: those the filter selects after `after` (ts, id),
 * at most `limit`. `doc` is the expression the document is read as (SQLite's export reads it
 * as its bytes).
 */
export function eventPageQuery(
  runner: SqlRunner,
  t: SqlTables,
  filter: AuditFilter,
  after: readonly [number, string] | undefined,
  desc: boolean,
  limit: number,
  doc = 'e.doc',
): { sql: string; values: unknown[] } {
  const p = new Params(runner);
  const where = whereClause(filter, p, t);
  if (after) where.push(`(e.ts, e.id) ${desc ? '<' : '>'} (${p.int(after[0])}, ${p.add(after[1])})`);
  const dir = desc ? 'DESC' : 'ASC';
  const sql =
    `SELECT e.ts, e.id, e.hash, ${doc} AS doc FROM ${t.events} e` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY e.ts ${dir}, e.id ${dir} LIMIT ${p.int(limit)}`;
  return { sql, values: p.values };
}

export async function queryEvents(
  runner: SqlRunner,
  t: SqlTables,
  filter: AuditFilter = {},
): Promise<AuditPage> {
  const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 1000);
  const desc = (filter.order ?? 'desc') === 'desc';
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
  const { sql, values } = eventPageQuery(runner, t, filter, after, desc, limit + 1);
  const rows = await runner.all(sql, values);
  const page: AuditPage = { events: rows.slice(0, limit).map(toEvent) };
  const last = rows[limit - 1];
  if (rows.length > limit && last) page.next = encodeCursor([num(last.ts), String(last.id)]);
  return page;
}

export async function getEvent(runner: SqlRunner, t: SqlTables, id: string): Promise<AuditEvent | undefined> {
  const rows = await runner.all(`SELECT hash, doc FROM ${t.events} WHERE id = ${runner.param(1)}`, [id]);
  return rows[0] ? toEvent(rows[0]) : undefined;
}

/**
 * Rows inserted after the cursor, in row_id order, and the rows of the holes it still awaits
 * (changes-cursor.ts: a row committed after a higher-numbered one was read is not passed over).
 */
export async function changedEvents(
  runner: SqlRunner,
  t: SqlTables,
  cursor: string | undefined,
  limit = 100,
): Promise<AuditChanges> {
  const n = Math.min(Math.max(1, Math.floor(limit)), 1000);
  let rows: SqlRow[];
  let from: ChangesCursor;
  if (cursor === undefined) {
    rows = await runner.all(
      `SELECT row_id, hash, doc FROM ${t.events} ORDER BY row_id DESC LIMIT ${runner.intParam(1)}`,
      [n],
    );
    rows.reverse();
    // Holes between the newest rows are awaited too; nothing before the oldest of them is.
    from = { after: rows.length ? num(rows[0]!.row_id) - 1 : 0, gaps: [] };
  } else {
    from = parseChangesCursor(cursor);
    const p = new Params(runner);
    const wanted = [`row_id > ${p.int(from.after)}`];
    for (const gap of from.gaps) {
      wanted.push(
        gap.from === gap.to
          ? `row_id = ${p.int(gap.from)}`
          : `row_id BETWEEN ${p.int(gap.from)} AND ${p.int(gap.to)}`,
      );
    }
    rows = await runner.all(
      `SELECT row_id, hash, doc FROM ${t.events} WHERE ${wanted.join(' OR ')} ` +
        `ORDER BY row_id LIMIT ${p.int(n)}`,
      p.values,
    );
  }
  const next = advanceChangesCursor(
    from,
    rows.map((r) => num(r.row_id)),
    Date.now(),
  );
  return { events: rows.map(toEvent), cursor: formatChangesCursor(next) };
}

export async function anchorsOf(runner: SqlRunner, t: SqlTables): Promise<ChainAnchor[]> {
  const rows = await runner.all(`SELECT instance, seq, hash, pruned_at FROM ${t.anchors}`, []);
  return rows.map((r) => ({
    instance: String(r.instance),
    seq: num(r.seq),
    hash: String(r.hash),
    prunedAt: num(r.pruned_at),
  }));
}

/** The indexed columns of one event, in insertion column order. */
export function eventColumns(event: AuditEvent): (string | number | null)[] {
  let maxSeverity = 0;
  for (const f of event.findings) maxSeverity = Math.max(maxSeverity, SEVERITY_RANK[f.severity] ?? 0);
  return [
    event.id,
    event.instance,
    event.seq,
    Date.parse(event.time),
    event.kind,
    event.decision,
    event.provider ?? null,
    event.client.agent,
    event.model ?? null,
    event.status ?? null,
    event.findings.length,
    maxSeverity,
    event.hash,
  ];
}

/**
 * The finding rows of an event: one per distinct (rule, category, severity, action), with how
 * many of its findings it stands for, in order of first appearance. The filters only ask
 * whether an event has a rule or category; the counts add up to the findings.
 */
export function findingRows(event: AuditEvent): FindingRow[] {
  const rows: FindingRow[] = [];
  for (const f of event.findings) {
    const row = rows.find(
      (r) => r[0] === f.ruleId && r[1] === f.category && r[2] === f.severity && r[3] === f.action,
    );
    if (row) row[4]++;
    else rows.push([f.ruleId, f.category, f.severity, f.action, 1]);
  }
  return rows;
}

/** An event's columns and finding rows: made at record time by the recorder, else here. */
export function storeRow(sealed: SealedEvent): StoreRow {
  return sealed.row ?? { columns: eventColumns(sealed.event), findings: findingRows(sealed.event) };
}

/** Where storeRow's columns hold the event's id, time (ms), kind, decision and client family. */
export const COLUMN = { id: 0, ts: 3, kind: 4, decision: 5, client: 7 } as const;

export const EVENT_COLUMNS =
  'id, instance, seq, ts, kind, decision, provider, client, model, status, findings, max_severity, hash, doc';
