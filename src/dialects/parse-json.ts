/**
 * `JSON.parse(bytes.toString('utf8'))`, the same value, without decoding the whole body as
 * UTF-8. One non-ASCII character anywhere sends all of `toString('utf8')` through V8's slow
 * decoder and makes the text two-byte, which JSON.parse then reads more slowly too; a coding
 * assistant's request nearly always has a few (arrows, dashes, quotes in its prompts).
 *
 * Instead the bytes are read as Latin-1 (a copy, one byte per character) and parsed; only the
 * strings that hold non-ASCII bytes are decoded again, from their Latin-1 characters. That is
 * exact because:
 *  - every ASCII byte is the same character in both readings, and JSON's structure, numbers and
 *    escapes are ASCII, so both parses see the same structure (a non-ASCII byte outside a string
 *    fails both);
 *  - in the Latin-1 parse, a character from 0x80 to 0xFF comes from a raw byte, never from an
 *    escape, provided no `\u0080`..`\u00ff` escape occurs (checked first; with one, the plain
 *    path runs). So each run of such characters is one run of raw non-ASCII bytes, bounded by
 *    ASCII bytes on both sides, and UTF-8-decoding it alone gives what decoding the whole body
 *    gives there (an ASCII byte always ends a sequence, valid or not);
 *  - keys are compared by JSON.parse: a non-ASCII key (rare) falls back to the plain path, so
 *    repeated keys are resolved exactly as JSON.parse resolves them.
 * On any syntax error the plain path runs again, so errors carry JSON.parse's own message.
 */
import { isAscii } from 'node:buffer';
import { TextCache } from '../detect/text-cache.js';
import { closingQuote, isJsonSpace } from './json-bytes.js';
import { sortIfNeeded } from '../sort-if-needed.js';

/** Characters a Latin-1 reading gives to non-ASCII bytes. */
const HIGH = /[\x80-\xff]/;
const HIGH_RUNS = /[\x80-\xff]+/g;

function plain(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8'));
}

/**
 * Whether the bytes hold an escape `\u0080`..`\u00ff`: a backslash that is not itself escaped
 * (an odd run of backslashes ends at it; `\\u00ff` is text about an escape, common in code),
 * then `u00` and a hex digit from 8. Outside strings a backslash is a syntax error anyway.
 */
function hasLatinEscape(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(LATIN_ESCAPE); at >= 0; at = bytes.indexOf(LATIN_ESCAPE, at + 4)) {
    const c = bytes[at + 4];
    if (c === undefined || (c !== 0x38 && c !== 0x39 && ((c | 0x20) < 0x61 || (c | 0x20) > 0x66))) continue;
    let k = at - 1;
    while (k >= 0 && bytes[k] === 0x5c) k--;
    if (((at - 1 - k) & 1) === 0) return true;
  }
  return false;
}

const LATIN_ESCAPE = Buffer.from('\\u00');

function decodeRun(run: string): string {
  return Buffer.from(run, 'latin1').toString('utf8');
}

/**
 * Long texts already decoded, by their Latin-1 reading: a conversation resends its system
 * prompt, tool descriptions and earlier turns byte for byte, and comparing one-byte strings is a
 * memory compare while decoding is not. A hit also hands back the very string of the last
 * request, which later caches keyed by text then match by identity.
 */
const decoded = new TextCache<string>(1024, 4_000_000);
const CACHED_MIN_LENGTH = 64;

/** `text` (a Latin-1 reading holding non-ASCII characters) with its runs decoded as UTF-8. */
function redecode(text: string): string {
  if (text.length < CACHED_MIN_LENGTH) return text.replace(HIGH_RUNS, decodeRun);
  let out = decoded.get(text);
  if (out === undefined) {
    out = text.replace(HIGH_RUNS, decodeRun);
    decoded.set(text, out);
  }
  return out;
}

/** Thrown by fix() for a key it cannot handle: the plain path runs instead. */
const NON_ASCII_KEY = Symbol('non-ASCII key');

/** Re-decodes every string under `root` in place; throws NON_ASCII_KEY on a non-ASCII key. */
function fix(root: unknown): unknown {
  if (typeof root === 'string') return HIGH.test(root) ? redecode(root) : root;
  if (root === null || typeof root !== 'object') return root;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      const arr = node as unknown[];
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (typeof v === 'string') {
          if (HIGH.test(v)) arr[i] = redecode(v);
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
    } else {
      const obj = node as Record<string, unknown>;
      for (const key in obj) {
        if (HIGH.test(key)) throw NON_ASCII_KEY;
        const v = obj[key];
        if (typeof v === 'string') {
          if (HIGH.test(v)) obj[key] = redecode(v);
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
  }
  return root;
}

/** The Latin-1 parse with non-ASCII strings decoded again; undefined when the plain path must run. */
function parseLatin1(
  bytes: Buffer,
  pieces: readonly (readonly [number, number])[],
): { value: unknown } | undefined {
  let ascii = true;
  const parts: string[] = [];
  for (const [start, end] of pieces) {
    const piece = bytes.subarray(start, end);
    if (ascii && !isAscii(piece)) ascii = false;
    if (!ascii && hasLatinEscape(piece)) return undefined;
    parts.push(piece.toString('latin1'));
  }
  // Between two pieces stood a remembered value: a `0` holds its place.
  const text = parts.length === 1 ? parts[0]! : parts.join('0');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (ascii) return { value };
  try {
    return { value: fix(value) };
  } catch (err) {
    if (err === NON_ASCII_KEY) return undefined;
    throw err;
  }
}

/** Exactly `JSON.parse(bytes.toString('utf8'))`: the same value, or the same error. */
export function parseJsonBytes(bytes: Buffer): unknown {
  const top = parseWithStable(bytes);
  if (top !== undefined) return top;
  return (parseLatin1(bytes, [[0, bytes.length]]) ?? { value: plain(bytes) }).value;
}

// ---------------------------------------------------------------------------------------------
// The stable part of a request. A coding assistant sends the same tool definitions and system
// prompt, byte for byte, on every turn of a conversation (and of every conversation in the same
// project): most of the body. Top-level values under those keys are remembered by their bytes;
// when the same bytes come again (a memory compare), the value parsed then is used again and
// only the rest of the body is parsed. Remembered values are deeply frozen: they are shared by
// requests, so nothing may change them (an edit copies the containers on its path, see setAt).
// The conversation (messages...) grows every turn, but its earlier turns come back byte for
// byte: each element of the conversation array is remembered the same way, by its bytes, so a
// turn parses only what is new since the last one.

/** Top-level keys whose values are resent unchanged turn after turn, across dialects. */
const STABLE_KEYS: ReadonlySet<string> = new Set(['tools', 'system', 'instructions', 'systemInstruction']);
/** Values shorter than this are parsed: the compare and bookkeeping would cost as much. */
const STABLE_MIN_BYTES = 1024;
/** Top-level keys holding the conversation, as an array of turns (messages, contents, items). */
const TURN_KEYS: ReadonlySet<string> = new Set(['messages', 'contents', 'input']);
/**
 * Turns shorter than this are parsed. Remembering a turn costs a length lookup and a compare,
 * about what parsing 64 bytes costs; what a remembered turn saves later is more: its segments,
 * findings and splice places are kept with it (an assistant's tool call naming the project path
 * is 150-250 bytes, and is edited every turn).
 */
const TURN_MIN_BYTES = 64;
/** Turns remembered, and their bytes, at most; least recently used first out. */
const TURNS_KEPT = 4096;
const TURNS_MAX_BYTES = 8_000_000;
/** Remembered values per key (a few projects or clients at once), and in all. */
const STABLE_PER_KEY = 4;
const STABLE_MAX_BYTES = 8_000_000;

interface StableEntry {
  bytes: Buffer;
  value: unknown;
}

const stable = new Map<string, StableEntry[]>();
let stableBytes = 0;

/** One value taken from the cache (or just added to it) for one body. */
export interface StableRange {
  /** The top-level key it is under. */
  key: string;
  /** For a turn: its index in the array under `key` (absent for a top-level value). */
  index?: number;
  /** Bounds of the value's bytes in the body. */
  start: number;
  end: number;
  value: unknown;
}

/** The remembered top-level values a parsed body holds, with their places in its bytes. */
const rangesOf = new WeakMap<object, readonly StableRange[]>();

/** Where `parseJsonBytes` placed remembered values in `body`, if any (see StableRange). */
export function stableRanges(body: unknown): readonly StableRange[] | undefined {
  return body !== null && typeof body === 'object' ? rangesOf.get(body) : undefined;
}

/** Whether `value` is (part of) a remembered, shared value that must not be changed. */
export function isShared(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.isFrozen(value);
}

/** The remembered top-level values themselves (deeply frozen, so anything derived stays true). */
const rememberedValues = new WeakSet<object>();

/**
 * Whether `value` is a top-level value parseJsonBytes remembered: deeply frozen and shared by
 * requests, so what depends on it alone (a dialect's segments under it) may be kept by identity.
 */
export function isRemembered(value: unknown): boolean {
  return value !== null && typeof value === 'object' && rememberedValues.has(value);
}

function deepFreeze(root: unknown): void {
  if (root === null || typeof root !== 'object') return;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    Object.freeze(node);
    for (const v of Object.values(node)) if (v !== null && typeof v === 'object') stack.push(v);
  }
}

/**
 * Index after the value starting at `i`: strings by their quotes, containers by counting
 * brackets outside strings, anything else up to the next delimiter. Validates nothing (the
 * parse does); -1 when the bytes end first.
 */
function valueEnd(b: Buffer, i: number): number {
  const n = b.length;
  const c = b[i];
  if (c === 0x22) {
    const q = closingQuote(b, i + 1);
    return q < 0 ? -1 : q + 1;
  }
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let k = i; k < n; k++) {
      const d = b[k];
      if (d === 0x22) {
        const q = closingQuote(b, k + 1);
        if (q < 0) return -1;
        k = q;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return k + 1;
      }
    }
    return -1;
  }
  let k = i;
  while (k < n) {
    const d = b[k];
    if (d === 0x2c || d === 0x7d || d === 0x5d || isJsonSpace(d)) break;
    k++;
  }
  return k;
}

/**
 * Remembered turns, by byte length, then bytes (a memory compare). Insertion order of `turnOrder`
 * is recency order: a hit moves its entry to the end.
 */
interface TurnEntry {
  bytes: Buffer;
  value: unknown;
}
const turnsByLength = new Map<number, TurnEntry[]>();
const turnOrder = new Set<TurnEntry>();
let turnBytes = 0;

function findTurn(bytes: Buffer, start: number, end: number): TurnEntry | undefined {
  const list = turnsByLength.get(end - start);
  if (list === undefined) return undefined;
  for (const entry of list) {
    if (bytes.compare(entry.bytes, 0, entry.bytes.length, start, end) === 0) {
      turnOrder.delete(entry);
      turnOrder.add(entry);
      return entry;
    }
  }
  return undefined;
}

function rememberTurn(bytes: Buffer, value: unknown): void {
  const entry: TurnEntry = { bytes, value };
  let list = turnsByLength.get(bytes.length);
  if (list === undefined) turnsByLength.set(bytes.length, (list = []));
  list.push(entry);
  turnOrder.add(entry);
  turnBytes += bytes.length;
  while (turnOrder.size > TURNS_KEPT || turnBytes > TURNS_MAX_BYTES) {
    const oldest = turnOrder.values().next().value as TurnEntry;
    turnOrder.delete(oldest);
    turnBytes -= oldest.bytes.length;
    const same = turnsByLength.get(oldest.bytes.length)!;
    same.splice(same.indexOf(oldest), 1);
    if (same.length === 0) turnsByLength.delete(oldest.bytes.length);
  }
}

/**
 * The end of the conversation array starting at `start` (its `[`), with each turn of at least
 * TURN_MIN_BYTES that is an object or an array put in `ranges` (remembered) or `fresh` (new);
 * -1 when the bytes end first.
 */
function scanTurns(
  bytes: Buffer,
  key: string,
  start: number,
  ranges: StableRange[],
  fresh: { key: string; index?: number; start: number; end: number }[],
): number {
  let i = start + 1;
  while (isJsonSpace(bytes[i])) i++;
  if (bytes[i] === 0x5d) return i + 1;
  for (let index = 0; ; index++) {
    const at = i;
    const c = bytes[at];
    const end = valueEnd(bytes, at);
    if (end < 0) return -1;
    if ((c === 0x7b || c === 0x5b) && end - at >= TURN_MIN_BYTES) {
      const known = findTurn(bytes, at, end);
      if (known !== undefined) ranges.push({ key, index, start: at, end, value: known.value });
      else fresh.push({ key, index, start: at, end });
    }
    i = end;
    while (isJsonSpace(bytes[i])) i++;
    if (bytes[i] === 0x5d) return i + 1;
    if (bytes[i] !== 0x2c) return -1;
    i++;
    while (isJsonSpace(bytes[i])) i++;
  }
}

function remember(key: string, bytes: Buffer, value: unknown): void {
  let list = stable.get(key);
  if (list === undefined) stable.set(key, (list = []));
  list.unshift({ bytes, value });
  stableBytes += bytes.length;
  if (list.length > STABLE_PER_KEY) stableBytes -= list.pop()!.bytes.length;
  if (stableBytes > STABLE_MAX_BYTES) {
    stable.clear();
    stableBytes = 0;
  }
}

/**
 * The body parsed with its stable top-level values taken from the cache, or undefined when the
 * body is not an object with such values (or anything looks unusual: the caller then parses the
 * whole body). Exact: a remembered value's bytes are a complete JSON value, so the same bytes at
 * a value's place in the body are that value and nothing more; the rest is parsed with a `0`
 * in each such place, and a syntax error anywhere sends the caller to the plain parse.
 */
function parseWithStable(bytes: Buffer): unknown {
  const n = bytes.length;
  let i = 0;
  while (isJsonSpace(bytes[i])) i++;
  if (bytes[i] !== 0x7b) return undefined;
  i++;
  const ranges: StableRange[] = [];
  const fresh: { key: string; index?: number; start: number; end: number }[] = [];
  const seen: string[] = [];
  for (;;) {
    while (isJsonSpace(bytes[i])) i++;
    if (bytes[i] !== 0x22) return undefined;
    const keyEnd = closingQuote(bytes, i + 1);
    if (keyEnd < 0) return undefined;
    // Keys spelled with escapes are compared by nobody here: such a body takes the plain path.
    if (bytes.indexOf(0x5c, i + 1) !== -1 && bytes.indexOf(0x5c, i + 1) < keyEnd) return undefined;
    const key = bytes.toString('latin1', i + 1, keyEnd);
    i = keyEnd + 1;
    while (isJsonSpace(bytes[i])) i++;
    if (bytes[i] !== 0x3a) return undefined;
    i++;
    while (isJsonSpace(bytes[i])) i++;
    const start = i;
    const c = bytes[i];
    let end = -1;
    if (STABLE_KEYS.has(key) || TURN_KEYS.has(key)) {
      // A key given twice: JSON.parse keeps the last value at the first place. Not worth it.
      if (seen.includes(key)) return undefined;
      seen.push(key);
    }
    if (TURN_KEYS.has(key) && c === 0x5b) {
      end = scanTurns(bytes, key, start, ranges, fresh);
      if (end < 0) return undefined;
    } else if (STABLE_KEYS.has(key) && (c === 0x7b || c === 0x5b || c === 0x22)) {
      for (const entry of stable.get(key) ?? []) {
        const len = entry.bytes.length;
        if (start + len <= n && bytes.compare(entry.bytes, 0, len, start, start + len) === 0) {
          end = start + len;
          ranges.push({ key, start, end, value: entry.value });
          break;
        }
      }
      if (end < 0) {
        end = valueEnd(bytes, start);
        if (end < 0) return undefined;
        if (end - start >= STABLE_MIN_BYTES) fresh.push({ key, start, end });
      }
    } else {
      end = valueEnd(bytes, start);
      if (end < 0) return undefined;
    }
    i = end;
    while (isJsonSpace(bytes[i])) i++;
    if (bytes[i] === 0x2c) {
      i++;
      continue;
    }
    if (bytes[i] !== 0x7d) return undefined;
    i++;
    while (isJsonSpace(bytes[i])) i++;
    if (i !== n) return undefined;
    break;
  }
  // New values: parsed alone (the same exact procedure), frozen and remembered.
  for (const f of fresh) {
    const parsed = parseLatin1(bytes, [[f.start, f.end]]);
    if (parsed === undefined) return undefined;
    const copy = Buffer.from(bytes.subarray(f.start, f.end));
    deepFreeze(parsed.value);
    if (parsed.value !== null && typeof parsed.value === 'object') rememberedValues.add(parsed.value);
    if (f.index === undefined) remember(f.key, copy, parsed.value);
    else rememberTurn(copy, parsed.value);
    ranges.push({ ...f, value: parsed.value });
  }
  if (ranges.length === 0) return undefined;
  sortIfNeeded(ranges, (a, b) => a.start - b.start);
  // The rest of the body, with `0` where the remembered values are.
  const pieces: [number, number][] = [];
  let from = 0;
  for (const r of ranges) {
    pieces.push([from, r.start]);
    from = r.end;
  }
  pieces.push([from, n]);
  const parsed = parseLatin1(bytes, pieces);
  if (parsed === undefined) return undefined;
  const body = parsed.value as Record<string, unknown>;
  for (const r of ranges) {
    if (r.index === undefined) body[r.key] = r.value;
    else (body[r.key] as unknown[])[r.index] = r.value;
  }
  rangesOf.set(body, ranges);
  return body;
}
