/**
 * Turns decided findings into edited texts. Each span becomes its surrogate (pseudonymize),
 * a same-shape secret surrogate (redact) or nothing (strip). Overlapping findings keep the
 * strongest action, then the longest span, so one value is never edited twice. Surrogates are
 * chosen in input order, then span order: with collisions resolved "first come", a fixed order
 * is what keeps the same request byte-identical turn after turn.
 */
import { BoundedMemo } from '../bounded-memo.js';
import { runAt } from '../detect/runs.js';
import { TextCache } from '../detect/text-cache.js';
import type { Finding, ScanInput } from '../detect/types.js';
import { GIVEN_ROLES } from '../dialects/types.js';
import { isRestorable } from './generate.js';
import type { Surrogates, RequestContext } from './surrogates.js';
import { sortIfNeeded } from '../sort-if-needed.js';
import { bounds, isUserSurrogate, isWordChar, userNameJoins } from '../word-char.js';

export type EditAction = 'pseudonymize' | 'redact' | 'strip';

export interface DecidedFinding {
  finding: Finding;
  action: EditAction;
}

export interface Edit {
  input: number;
  start: number;
  end: number;
  text: string;
}

const STRENGTH: Readonly<Record<EditAction, number>> = { redact: 3, pseudonymize: 2, strip: 1 };

/** The findings that will be edited: per input, no two spans overlap. Sorted by input, start. */
export function resolveOverlaps(decided: readonly DecidedFinding[]): DecidedFinding[] {
  const spans = decided.filter((d) => d.finding.end > d.finding.start);
  const byPlace = sortIfNeeded(
    spans,
    (a, b) => a.finding.input - b.finding.input || a.finding.start - b.finding.start,
  );
  // Findings that overlap only each other, in clusters: most clusters are one finding, kept as
  // is; inside a larger one the strongest action, then the longest span, wins. Ranking every
  // finding of a request against every other took seconds for a log of 20,000 lines repeating
  // an address (the inspection's deadline cannot stop synchronous work).
  const out: DecidedFinding[] = [];
  let i = 0;
  while (i < byPlace.length) {
    const first = byPlace[i] as DecidedFinding;
    let end = first.finding.end;
    let j = i + 1;
    while (j < byPlace.length) {
      const next = (byPlace[j] as DecidedFinding).finding;
      if (next.input !== first.finding.input || next.start >= end) break;
      if (next.end > end) end = next.end;
      j++;
    }
    if (j === i + 1) out.push(first);
    else out.push(...strongestOf(byPlace.slice(i, j)));
    i = j;
  }
  return out;
}

/** Of overlapping findings of one input, those kept: by strength, then length; sorted by start. */
function strongestOf(cluster: readonly DecidedFinding[]): DecidedFinding[] {
  const ranked = [...cluster].sort(
    (a, b) =>
      STRENGTH[b.action] - STRENGTH[a.action] ||
      b.finding.end - b.finding.start - (a.finding.end - a.finding.start) ||
      a.finding.start - b.finding.start,
  );
  const taken: DecidedFinding[] = [];
  for (const d of ranked) {
    const f = d.finding;
    if (taken.some((k) => f.start < k.finding.end && k.finding.start < f.end)) continue;
    taken.push(d);
  }
  return taken.sort((a, b) => a.finding.start - b.finding.start);
}

/** Where a value sits, for place-keyed tracking ids: a header name or a JSON path, never the value. */
export function placeOf(input: ScanInput): string {
  return input.role === 'header' ? `header:${input.header ?? ''}` : `${input.role}:${input.path.join('.')}`;
}

export async function planEdits(
  inputs: readonly ScanInput[],
  decided: readonly DecidedFinding[],
  surrogates: Surrogates,
  ctx: RequestContext,
): Promise<Edit[]> {
  const edits: Edit[] = [];
  // The n-th tracking id of an input: a device id and a session id in one metadata string
  // get different (still place-stable) stand-ins.
  const trackingSeen = new Map<number, number>();
  // A request names the same value again and again (the project path in the system prompt and
  // in every tool call): its surrogate is asked for once. Derived surrogates (paths, built from
  // their parts) are not cached across requests, so without this each mention paid a fresh
  // derivation; within one request the answer cannot change.
  const chosen = new Map<string, string>();
  for (const { finding: f, action } of resolveOverlaps(decided)) {
    const input = inputs[f.input];
    if (input === undefined) throw new Error(`finding refers to input ${f.input} of ${inputs.length}`);
    const value = input.text.slice(f.start, f.end);
    let text: string;
    if (action === 'strip') text = '';
    else if (action === 'pseudonymize' && f.category === 'tracking') {
      const nth = trackingSeen.get(f.input) ?? 0;
      trackingSeen.set(f.input, nth + 1);
      text = surrogates.tracking(value, `${placeOf(input)}#${nth}`);
    } else {
      const secret = action === 'redact' || f.category === 'secret';
      const id = `${f.kind}\0${secret ? 1 : 0}\0${value}`;
      const known = chosen.get(id);
      if (known === undefined) {
        text = await surrogates.surrogate(f.kind, value, ctx, secret);
        chosen.set(id, text);
      } else text = known;
    }
    if (text !== value) edits.push({ input: f.input, start: f.start, end: f.end, text });
    // Version strings, zones and locales are not propagated: they also occur in code, where
    // rewriting every `x86_64` would change what the model reads and writes back.
    if (
      text !== value &&
      text !== '' &&
      (isRestorable(f.kind) || action === 'redact' || f.category === 'secret')
    ) {
      ctx.replaced?.set(value, text);
    }
  }
  for (const [surrogate, entry] of ctx.entries) ctx.replaced?.set(entry.original, surrogate);
  return edits;
}

/**
 * Consistency inside a request: every other occurrence of a replaced value is replaced too,
 * also where the detector did not flag it (the project path inside a longer path in an
 * assistant message, a secret repeated in a tool result). Values must stand on word
 * boundaries, the longer value wins. Found with indexOf (native, skips ahead), which on an
 * 85 KB request costs far less than a character-by-character pass.
 *
 * Text the provider signed (a Gemini part with a thoughtSignature) must go back as the model
 * wrote it. A value in it that the model had read, earlier in the conversation or in the
 * system prompt or tools, reached the model as its surrogate: the model wrote the surrogate,
 * the answer's restoring made it the value, and replacing it again gives back the signed text.
 * A value that comes up only later (a tool's output echoing the address the model put in its
 * call) was the model's own: it stays, or the provider would refuse the signature.
 * Returns all edits, sorted, without overlaps.
 */
export function propagateEdits(
  inputs: readonly ScanInput[],
  edits: readonly Edit[],
  replaced: ReadonlyMap<string, string>,
  /** `cache: false` searches every text afresh (tests compare both). */
  options: { cache?: boolean } = {},
): Edit[] {
  if (replaced.size === 0) return [...edits];
  // Longest first, so that at equal starts the longer value is taken.
  const values = [...replaced.keys()].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  const byInput = new Map<number, Edit[]>();
  for (const e of edits) {
    const list = byInput.get(e.input);
    if (list === undefined) byInput.set(e.input, [e]);
    else list.push(e);
  }
  const out: Edit[] = [];
  // User names of five or more characters are replaced where `_` joins them too (userNameJoins).
  const joins = new Set(values.filter((v) => userNameJoins(v) && isUserSurrogate(replaced.get(v) ?? '')));
  const valuesKey = JSON.stringify(joins.size === 0 ? values : [values, [...joins]]);
  const shortest = values[values.length - 1]?.length ?? 0; // sorted longest first
  const fresh = options.cache === false;
  const read = inputs.some((input) => input.signed === true && input.sealed !== true)
    ? readByModel(inputs, (text) =>
        fresh ? findAll(text, values, joins) : findAllCached(text, values, joins, valuesKey),
      )
    : undefined;
  const short = fresh ? undefined : shortTextHits(valuesKey);
  /** Adds the edits of input `index`: its own, and the occurrences `found` where they win. */
  const one = (index: number, hits: readonly Hit[]): void => {
    const kept = byInput.get(index) ?? NO_EDITS;
    const input = inputs[index] as ScanInput;
    let found = hits;
    if (read !== undefined) {
      if (input.signed === true) found = hits.filter((m) => read.values.has(m.value));
      else if (read.conversation(input)) for (const m of hits) read.values.add(m.value);
    }
    // Text the provider uses as given (a credential, a tool server's URL: GIVEN_ROLES) keeps a
    // value replaced elsewhere: a stand-in there would be stored or called in its place.
    if (found.length === 0 || input.sealed === true || GIVEN_ROLES.has(input.role)) {
      for (const e of kept) out.push(e);
      return;
    }
    // Both sorted by start, neither overlapping itself: merged in one pass (a log repeating
    // an address thousands of times has as many edits as occurrences).
    let k = 0;
    for (const m of found) {
      while (k < kept.length && (kept[k] as Edit).end <= m.start) out.push(kept[k++] as Edit);
      let to = k;
      let wins = true;
      for (; to < kept.length && (kept[to] as Edit).start < m.end; to++) {
        const e = kept[to] as Edit;
        // A longer known value wins over edits it contains: the whole project path, not just
        // its home prefix, so the project's name does not leak next to a pseudonymized home.
        if (e.start < m.start || e.end > m.end || e.end - e.start === m.end - m.start) wins = false;
      }
      if (!wins) continue;
      k = to;
      out.push({ input: index, start: m.start, end: m.end, text: replaced.get(m.value) ?? m.value });
    }
    while (k < kept.length) out.push(kept[k++] as Edit);
  };
  for (let index = 0; index < inputs.length;) {
    // A run of frozen inputs (src/detect/runs.ts): only its inputs with occurrences or edits.
    const run = fresh ? undefined : runAt(inputs, index);
    if (run !== undefined) {
      const end = index + run.length;
      const hits = runHits(run, values, joins, valuesKey, shortest);
      let h = 0;
      const edited = sortIfNeeded(
        [...byInput.keys()].filter((i) => i >= index && i < end),
        (a, b) => a - b,
      );
      let e = 0;
      while (h < hits.length || e < edited.length) {
        const hitAt = h < hits.length ? index + (hits[h] as RunHits).at : end;
        const editAt = e < edited.length ? (edited[e] as number) : end;
        if (hitAt <= editAt) {
          one(hitAt, (hits[h] as RunHits).hits);
          h++;
          if (editAt === hitAt) e++;
        } else {
          one(editAt, NO_HITS);
          e++;
        }
      }
      index = end;
      continue;
    }
    const text = (inputs[index] as ScanInput).text;
    // A text shorter than every value holds none of them (most ids, types and short fields).
    const input = inputs[index] as ScanInput;
    const found =
      text.length < shortest || input.sealed === true
        ? NO_HITS
        : fresh
          ? findAll(text, values, joins)
          : Object.isFrozen(input)
            ? findFrozen(input, values, joins, valuesKey)
            : text.length < CACHED_MIN_LENGTH
              ? findShortCached(short as Map<string, readonly Hit[]>, text, values, joins)
              : findAllCached(text, values, joins, valuesKey);
    one(index, found);
    index++;
  }
  return out;
}

/**
 * The replaced values the model had read before each signed text, for propagateEdits: those in
 * the system prompt and tools from the start (wherever the body puts them), then, input by
 * input, those in what the user and the tools said. Not what the model wrote itself: a value
 * there that it had read is also in one of those, and one it made up came with no surrogate
 * (headers and metadata it never reads).
 */
function readByModel(
  inputs: readonly ScanInput[],
  /** The occurrences of the replaced values in a text. */
  find: (text: string) => readonly Hit[],
): { values: Set<string>; conversation: (input: ScanInput) => boolean } {
  const read = new Set<string>();
  for (const input of inputs)
    if (input.role === 'system' || input.role === 'tool_definition')
      for (const m of find(input.text)) read.add(m.value);
  return {
    values: read,
    conversation: (input) => input.role === 'user' || input.role === 'tool_result',
  };
}

/** The inputs of a run that hold occurrences: index in the run, and the occurrences. */
interface RunHits {
  at: number;
  hits: readonly Hit[];
}

/** Per run, for the last value list: its inputs with occurrences (the same as input by input). */
const runHitsCache = new WeakMap<readonly ScanInput[], { valuesKey: string; hits: readonly RunHits[] }>();

function runHits(
  run: readonly ScanInput[],
  values: readonly string[],
  joins: ReadonlySet<string>,
  valuesKey: string,
  shortest: number,
): readonly RunHits[] {
  const known = runHitsCache.get(run);
  if (known !== undefined && known.valuesKey === valuesKey) return known.hits;
  const hits: RunHits[] = [];
  run.forEach((input, at) => {
    if (input.text.length < shortest) return;
    const found = findFrozen(input, values, joins, valuesKey);
    if (found.length > 0) hits.push({ at, hits: found });
  });
  runHitsCache.set(run, { valuesKey, hits });
  return hits;
}

const NO_EDITS: readonly Edit[] = [];
const NO_HITS: readonly Hit[] = [];

interface Hit {
  start: number;
  end: number;
  value: string;
}

/**
 * The occurrences depend on the text and the value list alone. A conversation resends its
 * earlier turns, system prompt and tools every turn, with the same replaced values (surrogates
 * are deterministic), so they are kept per text for a few value lists. Short texts are cheaper
 * to search than to look up.
 */
const hitCache = new TextCache<{ valuesKey: string; hits: readonly Hit[] }[]>(4096, 8_000_000);
const CACHED_MIN_LENGTH = 64;
const VALUE_LISTS_PER_TEXT = 4;

/**
 * Short texts (tool names, enum values, short fields: most of a request's texts) by value list:
 * one Map lookup instead of an indexOf per value. Bounded; emptied when full.
 */
const SHORT_TEXTS_PER_LIST = 20_000;
const shortCache = new BoundedMemo<string, Map<string, readonly Hit[]>>(4, 'oldest');

function shortTextHits(valuesKey: string): Map<string, readonly Hit[]> {
  let texts = shortCache.get(valuesKey);
  if (texts === undefined) shortCache.set(valuesKey, (texts = new BoundedMemo(SHORT_TEXTS_PER_LIST)));
  return texts;
}

function findShortCached(
  texts: Map<string, readonly Hit[]>,
  text: string,
  values: readonly string[],
  joins: ReadonlySet<string>,
): readonly Hit[] {
  let hits = texts.get(text);
  if (hits === undefined) {
    hits = findAll(text, values, joins);
    texts.set(text, hits);
  }
  return hits;
}

function findAllCached(
  text: string,
  values: readonly string[],
  joins: ReadonlySet<string>,
  valuesKey: string,
): readonly Hit[] {
  if (text.length < CACHED_MIN_LENGTH) return findAll(text, values, joins);
  let lists = hitCache.get(text);
  const known = lists?.find((l) => l.valuesKey === valuesKey);
  if (known !== undefined) return known.hits;
  const hits = findAll(text, values, joins);
  if (lists === undefined) hitCache.set(text, (lists = []));
  if (lists.length >= VALUE_LISTS_PER_TEXT) lists.shift();
  lists.push({ valuesKey, hits });
  return hits;
}

/**
 * Frozen inputs (segments of a value the body parser remembered, shared by requests) are the
 * same objects turn after turn: their occurrences are kept by the input, for the last value list.
 */
const frozenHits = new WeakMap<ScanInput, { valuesKey: string; hits: readonly Hit[] }>();

function findFrozen(
  input: ScanInput,
  values: readonly string[],
  joins: ReadonlySet<string>,
  valuesKey: string,
): readonly Hit[] {
  const known = frozenHits.get(input);
  if (known !== undefined && known.valuesKey === valuesKey) return known.hits;
  const hits =
    input.text.length < CACHED_MIN_LENGTH
      ? findAll(input.text, values, joins)
      : findAllCached(input.text, values, joins, valuesKey);
  frozenHits.set(input, { valuesKey, hits });
  return hits;
}

/**
 * Non-overlapping occurrences on word boundaries; the longer value wins where they overlap. The
 * values in `joins` also where `_` joins them to a word (a user name in `alice_build.log`).
 */
function findAll(text: string, values: readonly string[], joins: ReadonlySet<string>): Hit[] {
  /** Occurrences of the longer values, sorted by start. */
  let hits: Hit[] = [];
  for (const value of values) {
    const wordStart = isWordChar(value.charCodeAt(0));
    const wordEnd = isWordChar(value.charCodeAt(value.length - 1));
    const joined = joins.has(value);
    const own: Hit[] = [];
    let ownEnd = 0;
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
      const end = at + value.length;
      if (wordStart && at > 0 && !bounds(text.charCodeAt(at - 1), joined)) continue;
      if (wordEnd && end < text.length && !bounds(text.charCodeAt(end), joined)) continue;
      if (at < ownEnd || overlapsAny(hits, at, end)) continue; // an earlier or longer one took it
      own.push({ start: at, end, value });
      ownEnd = end;
    }
    if (own.length > 0) hits = hits.length === 0 ? own : mergeByStart(hits, own);
  }
  return hits;
}

/** Whether [start, end) overlaps one of `sorted` (sorted by start, not overlapping each other). */
function overlapsAny(sorted: readonly Hit[], start: number, end: number): boolean {
  // The last hit starting before `end` is the only one that can reach past `start`.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as Hit).start < end) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && (sorted[lo - 1] as Hit).end > start;
}

function mergeByStart(a: readonly Hit[], b: readonly Hit[]): Hit[] {
  const out: Hit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length)
    out.push((a[i] as Hit).start <= (b[j] as Hit).start ? (a[i++] as Hit) : (b[j++] as Hit));
  while (i < a.length) out.push(a[i++] as Hit);
  while (j < b.length) out.push(b[j++] as Hit);
  return out;
}

/**
 * The edited text of a frozen input (a segment of a remembered value: the system prompt, tool
 * definitions, earlier turns) with the edits that made it. Turn after turn the same input gets
 * the same edits (surrogates are deterministic), and the same string object back: the token cache
 * downstream (json-splice.ts) then matches it by identity, where a text built anew is a rope that
 * each comparison first copies flat (about 12 KB per request of the Claude Code capture).
 */
const editedFrozen = new WeakMap<ScanInput, { edits: Edit[]; text: string }>();

function sameEdits(kept: readonly Edit[], edits: readonly Edit[], from: number, to: number): boolean {
  if (kept.length !== to - from) return false;
  for (let k = 0; k < kept.length; k++) {
    const a = kept[k] as Edit;
    const b = edits[from + k] as Edit;
    if (a.start !== b.start || a.end !== b.end || a.text !== b.text) return false;
  }
  return true;
}

/** New text of every input that has edits (edits sorted by input and start, not overlapping). */
export function applyEdits(inputs: readonly ScanInput[], edits: readonly Edit[]): Map<number, string> {
  const out = new Map<number, string>();
  let i = 0;
  while (i < edits.length) {
    const index = (edits[i] as Edit).input;
    const input = inputs[index];
    let to = i;
    while (to < edits.length && (edits[to] as Edit).input === index) to++;
    const frozen = input !== undefined && Object.isFrozen(input);
    const kept = frozen ? editedFrozen.get(input) : undefined;
    if (kept !== undefined && sameEdits(kept.edits, edits, i, to)) {
      out.set(index, kept.text);
      i = to;
      continue;
    }
    const source = input?.text ?? '';
    let text = '';
    let last = 0;
    for (let k = i; k < to; k++) {
      const e = edits[k] as Edit;
      text += source.slice(last, e.start) + e.text;
      last = e.end;
    }
    text += source.slice(last);
    if (frozen) editedFrozen.set(input, { edits: edits.slice(i, to), text });
    out.set(index, text);
    i = to;
  }
  return out;
}
