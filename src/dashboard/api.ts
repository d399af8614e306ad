/**
 * The dashboard's JSON API over the audit store: overview statistics, the events list with
 * filters and keyset paging, one event's detail, the egress destinations, and the policy in
 * force. Query strings are validated with zod; a bad one is a 400 that names the parameter.
 */
import { z } from 'zod';
import { eventFromDoc, SPOOL_DOC_START } from '../audit/chain.js';
import type { AuditFilter } from '../audit/store.js';
import { AUDIT_DECISIONS, type AuditEvent } from '../audit/types.js';
import type { Category } from '../detect/types.js';
import { SEVERITIES } from '../detect/types.js';
import type {
  EgressDestination,
  EgressReport,
  EventDetail,
  EventsPage,
  Overview,
  OverviewRange,
  PolicyInfo,
} from './api-types.js';
import { decisionsByKind } from './decisions.js';
import type { DashboardStore } from './reader.js';
import { detail, summarize } from './view.js';

export class BadQuery extends Error {}

const CATEGORIES = [
  'environment',
  'secret',
  'pii',
  'tracking',
  'hidden-unicode',
  'header-fingerprint',
] as const satisfies readonly Category[];

/** Each range is drawn with 60 to 96 buckets: enough shape, few rows to send. */
export const RANGES: Record<OverviewRange, { spanMs: number; bucketMs: number }> = {
  '1h': { spanMs: 3_600_000, bucketMs: 60_000 },
  '24h': { spanMs: 86_400_000, bucketMs: 900_000 },
  '7d': { spanMs: 7 * 86_400_000, bucketMs: 7_200_000 },
  '30d': { spanMs: 30 * 86_400_000, bucketMs: 43_200_000 },
};

const rangeSchema = z.enum(['1h', '24h', '7d', '30d']).default('24h');
const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const eventsQuery = z
  .object({
    kind: z.enum(['request', 'egress']).optional(),
    decision: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(z.enum(AUDIT_DECISIONS as unknown as [string, ...string[]])).min(1, 'no decision given'))
      .optional(),
    provider: z.enum(['anthropic', 'openai', 'gemini']).optional(),
    client: z.string().max(100).optional(),
    model: z.string().max(200).optional(),
    rule: z.string().max(200).optional(),
    category: z.enum(CATEGORIES).optional(),
    minSeverity: z.enum(SEVERITIES as unknown as ['low', 'medium', 'high', 'critical']).optional(),
    hasFindings: z.enum(['true', 'false']).optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, 'a whole number from 1 to 500')
      .transform(Number)
      .pipe(z.number().min(1).max(500))
      .default(50),
    cursor: z.string().max(500).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict();

function parse<T extends z.ZodType>(schema: T, query: URLSearchParams): z.infer<T> {
  // A null prototype: `__proto__=1` is a key like any other (and refused as unknown).
  const raw: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of query) {
    // Which of two values would win is a guess the caller should not have to make.
    if (Object.hasOwn(raw, k)) throw new BadQuery(`bad "${k}": given more than once`);
    raw[k] = v;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.join('.')}"` : 'query';
    throw new BadQuery(`bad ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export interface PolicyInfoInput {
  source?: string;
  text?: string;
  loadedAt?: Date | string | number;
  mode?: string;
  lastError?: { message: string; at: Date | string | number };
  atNextStart?: readonly string[];
}

export interface ApiOptions {
  store: DashboardStore;
  policyInfo?: () => PolicyInfoInput | undefined | Promise<PolicyInfoInput | undefined>;
  /** How long an overview answer is reused (ms): several tabs or reloads cost one query. */
  overviewCacheMs?: number;
  /** How long a cached overview may still be served while a refresh runs (ms); default 60000. */
  overviewStaleMs?: number;
  /** At most this many egress events are read for the destinations table. */
  egressScanMax?: number;
  now?: () => number;
}

function iso(value: Date | string | number): string {
  return new Date(value).toISOString();
}

interface OverviewCacheEntry {
  at: number;
  value: Promise<Overview>;
  settled: boolean;
  refreshing: boolean;
}

/** Published events kept in memory: the live feed links to events the recorder has not flushed yet. */
const RECENT_MAX = 1000;

/**
 * A published event kept as its spool line (the recorder's bytes of its stored document) instead
 * of its objects: a thousand events' findings, paths and previews, held for about a second, are
 * carried into the old generation and marked there; a byte view each is one object to mark (it
 * keeps its 1 MiB slab of the recorder alive: two or three slabs for a thousand lines). Read
 * back as the store would return it.
 */
interface KeptLine {
  line: Buffer;
  hash: string;
}

export class DashboardApi {
  private readonly overviewCache = new Map<OverviewRange, OverviewCacheEntry>();
  private readonly recent = new Map<string, AuditEvent | KeptLine>();

  constructor(private readonly options: ApiOptions) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * Overview statistics, cached per range: fresh for `overviewCacheMs`, then served stale (for
   * up to `overviewStaleMs`) while one refresh runs, so reloads and several open tabs cost one
   * aggregate query. The statistics are charts over hours; the live feed is what is current.
   */
  overview(query: URLSearchParams): Promise<Overview> {
    const range = parse(z.object({ range: rangeSchema }).strict(), query).range;
    const fresh = this.options.overviewCacheMs ?? 2000;
    const stale = Math.max(fresh, this.options.overviewStaleMs ?? 60_000);
    const hit = this.overviewCache.get(range);
    const age = hit ? this.now() - hit.at : Infinity;
    if (hit && age < fresh) return hit.value;
    if (hit?.settled && age < stale) {
      if (!hit.refreshing) {
        hit.refreshing = true;
        // After this answer is written: a synchronous store (SQLite) would otherwise hold it up.
        setImmediate(() => {
          this.refreshOverview(range).catch(() => {
            hit.refreshing = false;
          });
        });
      }
      return hit.value;
    }
    return this.refreshOverview(range);
  }

  private refreshOverview(range: OverviewRange): Promise<Overview> {
    const at = this.now();
    const value = this.computeOverview(range);
    const entry: OverviewCacheEntry = { at, value, settled: false, refreshing: false };
    const previous = this.overviewCache.get(range);
    // A refresh replaces the served value only once it has succeeded.
    if (!previous?.settled) this.overviewCache.set(range, entry);
    value.then(
      () => {
        entry.settled = true;
        this.overviewCache.set(range, entry);
      },
      () => {
        if (this.overviewCache.get(range) === entry) this.overviewCache.delete(range);
      },
    );
    return value;
  }

  private async computeOverview(range: OverviewRange): Promise<Overview> {
    const started = performance.now();
    const { spanMs, bucketMs } = RANGES[range];
    // Bucket edges on multiples of the bucket width, so a chart does not shift between reloads.
    const until = Math.ceil((this.now() + 1) / bucketMs) * bucketMs;
    const stats = await this.options.store.stats(
      { since: new Date(until - spanMs), until: new Date(until) },
      { bucketMs, top: 10 },
    );
    const { requests, egress } = decisionsByKind(stats);
    const total = (list: typeof requests, key: string) => list.find((s) => s.key === key)?.total ?? 0;
    return {
      range,
      stats,
      requestDecisions: requests,
      egressDecisions: egress,
      totals: {
        ...stats.totals,
        blocked: total(requests, 'block'),
        pseudonymized: total(requests, 'pseudonymize'),
        errors: total(requests, 'error'),
        egressDenied: total(egress, 'deny'),
        egressErrors: total(egress, 'error'),
      },
      queryMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  async events(query: URLSearchParams): Promise<EventsPage> {
    const q = parse(eventsQuery, query);
    const filter: AuditFilter = {
      kind: q.kind,
      decision: q.decision as AuditFilter['decision'],
      provider: q.provider,
      client: q.client,
      model: q.model,
      rule: q.rule,
      category: q.category,
      minSeverity: q.minSeverity,
      hasFindings: q.hasFindings === undefined ? undefined : q.hasFindings === 'true',
      since: q.since,
      until: q.until,
      limit: q.limit,
      cursor: q.cursor,
      order: q.order,
    };
    let page;
    try {
      page = await this.options.store.query(filter);
    } catch (err) {
      // The only input the store itself rejects is a cursor it did not make.
      if (/cursor/.test((err as Error).message)) throw new BadQuery('bad "cursor": not from a previous page');
      throw err;
    }
    return { events: page.events.map(summarize), next: page.next };
  }

  /**
   * Remembers a just-recorded event until the store has it (the recorder writes in batches);
   * `line`, the event's spool line when the recorder gives it, is kept instead of the event.
   */
  remember(event: AuditEvent, line?: Buffer): void {
    this.recent.set(event.id, line === undefined ? event : { line, hash: event.hash });
    if (this.recent.size > RECENT_MAX) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
  }

  /** Whether the event was published in-process recently (the live feed has sent it). */
  remembered(id: string): boolean {
    return this.recent.has(id);
  }

  private recentEvent(id: string): AuditEvent | undefined {
    return this.kept(this.recent.get(id));
  }

  private kept(kept: AuditEvent | KeptLine | undefined): AuditEvent | undefined {
    if (kept === undefined || !('line' in kept)) return kept;
    return eventFromDoc(kept.line.toString('utf8', SPOOL_DOC_START, kept.line.length - 2), kept.hash);
  }

  /** The `max` events remembered last, oldest first: what a new live stream starts with. */
  latestRemembered(max: number): AuditEvent[] {
    const kept = [...this.recent.values()].slice(-max);
    return kept.map((k) => this.kept(k)).filter((e): e is AuditEvent => e !== undefined);
  }

  async event(id: string): Promise<EventDetail | undefined> {
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(id)) return undefined;
    const event = (await this.options.store.get(id)) ?? this.recentEvent(id);
    return event && detail(event);
  }

  async egress(query: URLSearchParams): Promise<EgressReport> {
    const range = parse(z.object({ range: rangeSchema }).strict(), query).range;
    const max = this.options.egressScanMax ?? 20_000;
    const since = new Date(this.now() - RANGES[range].spanMs);
    const byDestination = new Map<string, EgressDestination>();
    const recent: AuditEvent[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    do {
      const page = await this.options.store.query({ kind: 'egress', since, limit: 1000, cursor });
      for (const e of page.events) {
        scanned++;
        if (recent.length < 100) recent.push(e);
        if (!e.egress) continue;
        const key = `${e.egress.host}:${e.egress.port}`;
        let d = byDestination.get(key);
        if (!d) {
          // Pages are newest first: the first event seen for a destination is its latest.
          d = {
            host: e.egress.host,
            port: e.egress.port,
            allowed: 0,
            denied: 0,
            errors: 0,
            lastSeen: e.time,
            lastDecision: e.decision,
            rule: e.egress.rule,
          };
          byDestination.set(key, d);
        }
        if (e.decision === 'allow') d.allowed++;
        else if (e.decision === 'deny') d.denied++;
        else d.errors++;
      }
      cursor = page.next;
    } while (cursor && scanned < max);
    const destinations = [...byDestination.values()].sort(
      (a, b) =>
        b.denied - a.denied || b.allowed + b.errors - (a.allowed + a.errors) || a.host.localeCompare(b.host),
    );
    return { range, destinations, recent: recent.map(summarize), scanned, truncated: cursor !== undefined };
  }

  async policy(): Promise<PolicyInfo> {
    const info = await this.options.policyInfo?.();
    if (!info) return {};
    return {
      source: info.source,
      text: info.text,
      mode: info.mode,
      loadedAt: info.loadedAt === undefined ? undefined : iso(info.loadedAt),
      lastError: info.lastError && { message: info.lastError.message, at: iso(info.lastError.at) },
      ...(info.atNextStart?.length ? { atNextStart: [...info.atNextStart] } : {}),
    };
  }
}
