/**
 * Persistent identifiers: an opaque id (UUID, long hex, long random token) that comes back at
 * the same place (role + JSON path shape + header name) request after request is how a client
 * tags its traffic, whatever the field is called. We count, per place, in how many requests
 * each id was seen, storing only a keyed hash of the id (never the id), in memory or in Redis.
 *
 * Only roles a client fills in by itself are watched by default (metadata, headers, system
 * prompt, tool definitions): conversation history is resent whole on every turn, so ids inside
 * messages (tool_use ids...) recur without tagging anything.
 */
import { createHmac } from 'node:crypto';
import type { Role } from '../dialects/types.js';
import { runAt } from './runs.js';
import type { Finding, ScanInput } from './types.js';
import { TextCache } from './text-cache.js';
import { looksRandom } from './validators.js';
import { sortIfNeeded } from '../sort-if-needed.js';

export interface IdTracker {
  /** Records one more request in which `idHash` was seen at `place`; returns the count so far. */
  observe(place: string, idHash: string): Promise<number> | number;
  close?(): Promise<void>;
}

/** A bounded in-memory tracker: least recently seen entries are dropped first. */
export class MemoryIdTracker implements IdTracker {
  private readonly counts = new Map<string, number>();
  constructor(private readonly maxEntries = 100_000) {}
  observe(place: string, idHash: string): number {
    const key = `${place}\u0000${idHash}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.delete(key); // re-insert: Map order is recency order
    this.counts.set(key, n);
    if (this.counts.size > this.maxEntries) this.counts.delete(this.counts.keys().next().value!);
    return n;
  }
  get size(): number {
    return this.counts.size;
  }
}

export interface PersistentIdOptions {
  tracker: IdTracker;
  /** HMAC key for the id hashes (the gateway's surrogate key will do). */
  key: string | Buffer;
  /** Requests an id must be seen in before it is a finding (default 3). */
  threshold?: number;
  roles?: readonly Role[];
  /** Texts whose id spans are remembered (default 512); 0 turns the cache off (tests compare). */
  cacheEntries?: number;
}

export const DEFAULT_TRACKED_ROLES: readonly Role[] = ['metadata', 'header', 'system', 'tool_definition'];
const SKIPPED_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'cookie',
  'content-length',
  'host',
  'date',
  'idempotency-key',
  'x-stainless-retry-count',
  'x-stainless-timeout',
  // Protocol flags (`interleaved-thinking-2025-05-14`): the same for every client of a version.
  'anthropic-beta',
  'anthropic-version',
  'openai-beta',
]);

/** UUIDs, hex of 16+ and base64url tokens of 20+ characters, standing alone. */
const OPAQUE_ID =
  /(?<![A-Za-z0-9_-])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,128}|[A-Za-z0-9_-]{20,256})(?![A-Za-z0-9_-])/g;

/**
 * Words and numbers joined by dashes or underscores: names with dates and versions
 * (`claude-haiku-4-5-20251001`, `context-management-2025-06-27`), which every installation
 * sends alike. An id drawn at random mixes letters and digits within its parts.
 */
const READABLE_NAME = /^(?:[A-Za-z]+|\d+)(?:[-_](?:[A-Za-z]+|\d+))+$/;

function isOpaque(id: string): boolean {
  if (/^[0-9a-f]{8}-/i.test(id)) return true;
  if (/^[0-9a-f]+$/i.test(id)) return /\d/.test(id) && /[a-f]/i.test(id);
  return looksRandom(id, 20) && /\d/.test(id) && !READABLE_NAME.test(id);
}

/** The place of an input: role, path with indices folded (messages.*.content), header name. */
export function placeOf(input: ScanInput): string {
  const shape = input.path.map((p) => (typeof p === 'number' ? '*' : p)).join('.');
  return `${input.role}|${shape}|${input.header ?? ''}`;
}

export interface PersistentIdDetector {
  /** Call once per request: records the ids it carries and reports those seen often enough. */
  scan(inputs: readonly ScanInput[]): Promise<Finding[]>;
}

/** An opaque id at its place in a request: `key` = place + hash, `at` = input index (in a run). */
interface PlacedId {
  key: string;
  place: string;
  hash: string;
  start: number;
  end: number;
  at: number;
}

const NO_IDS: readonly PlacedId[] = [];

/** One opaque id in a text: its keyed hash and span. */
interface IdSpan {
  hash: string;
  start: number;
  end: number;
}

export function createPersistentIdDetector(opts: PersistentIdOptions): PersistentIdDetector {
  const threshold = opts.threshold ?? 3;
  const roles = new Set(opts.roles ?? DEFAULT_TRACKED_ROLES);
  const hashOf = (id: string): string => createHmac('sha256', opts.key).update(id).digest('hex').slice(0, 32);
  // The system prompt and tool definitions are byte-identical request after request: their id
  // spans (which depend on the text alone, the key being fixed) are kept, never the counts.
  const cache = new TextCache<readonly IdSpan[]>(opts.cacheEntries ?? 512);
  const idsOf = (text: string): readonly IdSpan[] => {
    let spans = cache.get(text);
    if (spans === undefined) {
      const found: IdSpan[] = [];
      for (const m of text.matchAll(OPAQUE_ID))
        if (isOpaque(m[0])) found.push({ hash: hashOf(m[0]), start: m.index, end: m.index + m[0].length });
      cache.set(text, (spans = found));
    }
    return spans;
  };
  // Frozen inputs (segments of a value the body parser remembered: the tool definitions and
  // system prompt, shared by requests) never change: their spans are kept by the input itself.
  const byInput = new WeakMap<ScanInput, readonly IdSpan[]>();
  const caching = (opts.cacheEntries ?? 512) > 0;
  const idsOfInput = (input: ScanInput): readonly IdSpan[] => {
    if (!caching || !Object.isFrozen(input)) return idsOf(input.text);
    let spans = byInput.get(input);
    if (spans === undefined) byInput.set(input, (spans = idsOf(input.text)));
    return spans;
  };
  /** The ids of one input, each with its place and key, in the order the scan observes them. */
  const placedIdsOf = (input: ScanInput): readonly PlacedId[] => {
    if (!roles.has(input.role)) return NO_IDS;
    if (input.role === 'header' && SKIPPED_HEADERS.has(input.header ?? '')) return NO_IDS;
    const ids = idsOfInput(input);
    if (ids.length === 0) return NO_IDS; // most tool-definition texts: no place to build
    const place = placeOf(input);
    return ids.map(({ hash, start, end }) => ({
      key: `${place}\u0000${hash}`,
      place,
      hash,
      start,
      end,
      at: 0,
    }));
  };
  // A run of frozen inputs (src/detect/runs.ts): the placed ids of all its inputs, by index in
  // the run (`at`), kept by the run, so a request goes over its ids instead of its inputs.
  const byRun = new WeakMap<readonly ScanInput[], readonly PlacedId[]>();
  const placedIdsOfRun = (run: readonly ScanInput[]): readonly PlacedId[] => {
    let ids = byRun.get(run);
    if (ids === undefined) {
      const own: PlacedId[] = [];
      run.forEach((input, k) => {
        for (const id of placedIdsOf(input)) own.push({ ...id, at: k });
      });
      byRun.set(run, (ids = own));
    }
    return ids;
  };
  return {
    async scan(inputs) {
      // One observation per (place, id) per request, however often the id repeats inside it.
      const spans = new Map<
        string,
        { place: string; hash: string; hits: { input: number; start: number; end: number }[] }
      >();
      const add = (ids: readonly PlacedId[], base: number): void => {
        for (const { key, place, hash, start, end, at } of ids) {
          let entry = spans.get(key);
          if (!entry) spans.set(key, (entry = { place, hash, hits: [] }));
          entry.hits.push({ input: base + at, start, end });
        }
      };
      for (let index = 0; index < inputs.length;) {
        const run = caching ? runAt(inputs, index) : undefined;
        if (run !== undefined) {
          add(placedIdsOfRun(run), index);
          index += run.length;
        } else {
          add(placedIdsOf(inputs[index] as ScanInput), index);
          index++;
        }
      }
      const entries = [...spans.values()];
      const counts = await Promise.all(entries.map((e) => opts.tracker.observe(e.place, e.hash)));
      const findings: Finding[] = [];
      entries.forEach((e, k) => {
        if (counts[k]! < threshold) return;
        for (const h of e.hits) {
          const input = inputs[h.input]!;
          findings.push({
            ruleId: 'tracking.persistent-id',
            category: 'tracking',
            severity: 'medium',
            kind: 'opaque-id',
            input: h.input,
            path: input.path,
            role: input.role,
            start: h.start,
            end: h.end,
          });
        }
      });
      return sortIfNeeded(findings, (a, b) => a.input - b.input || a.start - b.start);
    },
  };
}
