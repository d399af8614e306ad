/**
 * Writing edited texts back into a request body without serializing it again: each edited
 * string leaf's token is located in the bytes the body was parsed from, and only those tokens
 * are replaced (by `JSON.stringify` of the new text). Everything else leaves byte for byte as
 * the client sent it, so the cost is one pass over the structure plus the edited leaves, not a
 * `JSON.stringify` of the whole body and its UTF-8 encoding.
 *
 * The bytes must be the very text `JSON.parse` accepted for the body (valid JSON): the scan
 * does not validate, it only follows the structure. It gives up (undefined; the caller then
 * serializes the parsed body as before) whenever the bytes could hold text the parsed body
 * does not: a key repeated in one object (JSON.parse keeps the last, the raw bytes keep both),
 * or a key it cannot compare byte for byte (escapes, non-ASCII). So what leaves is always
 * exactly what was scanned, edited.
 */
import { BoundedMemo } from '../bounded-memo.js';
import { TextCache } from '../detect/text-cache.js';
import type { JsonPath } from '../dialects/types.js';
import { closingQuote, isJsonSpace } from '../dialects/json-bytes.js';
import { sortIfNeeded } from '../sort-if-needed.js';

export interface LeafEdit {
  /** Path of a string leaf of the parsed body (as the dialect's segments give it). */
  path: JsonPath;
  /** Its new text. */
  text: string;
  /**
   * Set when the edit renames the member `from` of the object at `path` to `text` (a member
   * name that held a value, Segment.key): not spliced, the body is serialized again.
   */
  from?: string;
}

interface Node {
  children?: Map<string | number, Node>;
  /** Index of the edit whose leaf is here. */
  edit?: number;
}

const OBJECT = 1;
const ARRAY = 2;

/** The trie of the edits' paths (from `skip` keys on), for the edits `which` (default all). */
function buildTrie(edits: readonly LeafEdit[], which?: readonly number[], skip = 0): Node | undefined {
  const root: Node = {};
  const count = which === undefined ? edits.length : which.length;
  for (let w = 0; w < count; w++) {
    const e = which === undefined ? w : (which[w] as number);
    const path = (edits[e] as LeafEdit).path;
    let node = root;
    for (let p = skip; p < path.length; p++) {
      const key = path[p] as string | number;
      node.children ??= new Map();
      let next = node.children.get(key);
      if (next === undefined) node.children.set(key, (next = {}));
      node = next;
    }
    if (node.edit !== undefined || node.children !== undefined) return undefined;
    node.edit = e;
  }
  return root.edit === undefined ? root : undefined;
}

/** Container stack, reused across calls (a request is spliced synchronously). */
let kinds = new Uint8Array(64);
let indices = new Int32Array(64);
let keyBase = new Int32Array(64);
let keyHashes = new Int32Array(256);

function grow<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  if (need < a.length) return a;
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(need + 1, a.length * 2));
  bigger.set(a);
  return bigger;
}

/**
 * `raw` with every edited leaf's string token replaced, or undefined when the splice cannot be
 * sure to match the parsed body (see above) or a path does not lead to a string in `raw`.
 */
export function spliceJson(
  raw: Buffer,
  edits: readonly LeafEdit[],
  known?: readonly KnownValue[],
  /**
   * The caller gives `raw` up (it will not read it again): the result may then be written over
   * it, when it is no longer than `raw` at every point. `raw` is left unchanged when the splice
   * gives up (undefined).
   */
  options: { inPlace?: boolean } = {},
): Buffer | undefined {
  if (edits.length === 0) return raw;
  if (edits.some((e) => e.from !== undefined)) return undefined;
  // Token bounds per edit: [start, end) including the quotes.
  const starts = new Array<number>(edits.length).fill(-1);
  const ends = new Array<number>(edits.length).fill(-1);
  let jumps: Map<number, number> | undefined;
  let rest: number[] | undefined;
  if (known !== undefined) {
    // Edits inside known values whose leaves were located before: placed, and jumped over.
    const placed = placeKnown(raw, edits, known, starts, ends);
    if (placed !== undefined) {
      jumps = placed.jumps;
      rest = placed.rest;
    }
    jumps = cleanJumps(raw, known, jumps);
  }
  const root = buildTrie(edits, rest);
  if (root === undefined) return undefined;
  return locate(raw, root, starts, ends, jumps)
    ? assemble(raw, edits, starts, ends, options.inPlace === true)
    : undefined;
}

/**
 * Whether `raw` holds exactly the text its parse holds, as the splice reads it: no key repeated
 * in one object (JSON.parse keeps the last copy and drops the others, which the bytes would
 * still carry past inspection) and no key it cannot compare. A body sent as received must pass;
 * one that does not is sent as its parse serialized. Known values are checked once each.
 */
export function bytesMatchParse(raw: Buffer, known?: readonly KnownValue[]): boolean {
  return locate(raw, NO_EDITS_ROOT, [], [], known === undefined ? undefined : cleanJumps(raw, known));
}

/**
 * A value whose bytes the caller knows (the parser took it from its cache, see
 * src/dialects/parse-json.ts: a top-level value or a turn of the conversation): with no edit
 * below it, the scan jumps over it once it knows that scanning it would not give up — found
 * once per value, since the value is the same object whenever its bytes are the same.
 */
export interface KnownValue {
  start: number;
  end: number;
  value: unknown;
  /** Where it is: under this top-level key, and at this index of the array there (a turn). */
  key?: string;
  index?: number;
}

/**
 * Per known value, per list of edited paths below it: where their tokens are in the value's
 * bytes (relative), or null when the splice cannot be sure there. The same value has the same
 * bytes (that is how the parser found it), so the same paths are at the same places: the system
 * prompt, edited the same way every turn, is located once and jumped over afterwards.
 */
const placesIn = new WeakMap<object, Map<string, { starts: number[]; ends: number[] } | null>>();
const PLACES_PER_VALUE = 8;

/**
 * A path below a known value (`skip` keys dropped), as text. Segments give the same frozen
 * path array for a remembered turn every time, so its text is kept with it.
 */
const subPathKeys = [new WeakMap<JsonPath, string>(), new WeakMap<JsonPath, string>()];
function subPathKey(path: JsonPath, skip: 1 | 2): string {
  const keys = subPathKeys[skip - 1] as WeakMap<JsonPath, string>;
  let key = keys.get(path);
  if (key === undefined) {
    // JSON text has no raw line break: "\n" joins several without ambiguity.
    key = JSON.stringify(path.slice(skip));
    keys.set(path, key);
  }
  return key;
}

/** The list `map` holds under `key`, made empty the first time. */
function listIn<K>(map: Map<K, number[]>, key: K): number[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

/**
 * Token bounds of the edits that lie inside known objects or arrays, from `placesIn`, with those
 * values to jump over and the edits left for the scan; undefined when no edit lies inside one.
 */
function placeKnown(
  raw: Buffer,
  edits: readonly LeafEdit[],
  known: readonly KnownValue[],
  starts: number[],
  ends: number[],
): { jumps: Map<number, number>; rest: number[] } | undefined {
  let jumps: Map<number, number> | undefined;
  let placedAny = false;
  const inside = new Array<boolean>(edits.length).fill(false);
  // The edits below each place a known value can have (a top-level key, or a turn under one),
  // grouped in one pass: a conversation has tens of known turns, most without an edit.
  const below = new Map<string | number, number[]>();
  const belowTurn = new Map<string, Map<string | number, number[]>>();
  edits.forEach((e, i) => {
    const [first, second] = e.path;
    if (typeof first !== 'string') return;
    if (e.path.length > 1) listIn(below, first).push(i);
    if (e.path.length > 2 && second !== undefined) {
      let turns = belowTurn.get(first);
      if (turns === undefined) belowTurn.set(first, (turns = new Map()));
      listIn(turns, second).push(i);
    }
  });
  for (const k of known) {
    if (k.key === undefined || k.value === null || typeof k.value !== 'object') continue;
    const skip = k.index === undefined ? 1 : 2;
    const which = skip === 1 ? below.get(k.key) : belowTurn.get(k.key)?.get(k.index as number);
    if (which === undefined) continue;
    let pathsKey = subPathKey((edits[which[0] as number] as LeafEdit).path, skip);
    for (let w = 1; w < which.length; w++)
      pathsKey += `\n${subPathKey((edits[which[w] as number] as LeafEdit).path, skip)}`;
    let byPaths = placesIn.get(k.value);
    if (byPaths === undefined) placesIn.set(k.value, (byPaths = new BoundedMemo(PLACES_PER_VALUE, 'oldest')));
    let places = byPaths.get(pathsKey);
    if (places === undefined) {
      places = null;
      const sub = buildTrie(edits, which, skip);
      if (sub !== undefined) {
        const s = new Array<number>(which.length).fill(-1);
        const t = new Array<number>(which.length).fill(-1);
        // The sub-trie's edit numbers are edit indices: map them to positions in `which`.
        const rs = new Array<number>(edits.length).fill(-1);
        const re = new Array<number>(edits.length).fill(-1);
        if (locate(raw.subarray(k.start, k.end), sub, rs, re)) {
          which.forEach((i, w) => {
            s[w] = rs[i] as number;
            t[w] = re[i] as number;
          });
          if (s.every((x) => x >= 0)) places = { starts: s, ends: t };
        }
      }
      byPaths.set(pathsKey, places);
    }
    if (places === null) continue;
    which.forEach((i, w) => {
      starts[i] = k.start + (places.starts[w] as number);
      ends[i] = k.start + (places.ends[w] as number);
      inside[i] = true;
    });
    (jumps ??= new Map()).set(k.start, k.end);
    placedAny = true;
  }
  if (!placedAny || jumps === undefined) return undefined;
  const rest: number[] = [];
  inside.forEach((placed, i) => {
    if (!placed) rest.push(i);
  });
  return { jumps, rest };
}

/** Per remembered value: whether the scan gets through it without giving up. */
const cleanValues = new WeakMap<object, boolean>();
const NO_EDITS_ROOT: Node = {};

/** Start → end of each known object or array that the scan may jump over (added to `jumps`). */
function cleanJumps(
  raw: Buffer,
  known: readonly KnownValue[],
  jumps?: Map<number, number>,
): Map<number, number> | undefined {
  for (const k of known) {
    if (k.value === null || typeof k.value !== 'object') continue;
    let clean = cleanValues.get(k.value);
    if (clean === undefined) {
      // Scanned alone, as the scan would see it in place (its checks look inside it only).
      clean = locate(raw.subarray(k.start, k.end), NO_EDITS_ROOT, [], []);
      cleanValues.set(k.value, clean);
    }
    if (clean) (jumps ??= new Map()).set(k.start, k.end);
  }
  return jumps;
}

/**
 * Scans `raw` along the trie: fills the token bounds of the edited leaves, or returns false to
 * give up (see above).
 */
function locate(
  raw: Buffer,
  root: Node,
  starts: number[],
  ends: number[],
  jumps?: ReadonlyMap<number, number>,
): boolean {
  const n = raw.length;
  const nodes: (Node | undefined)[] = [];
  let depth = -1;
  let keys = 0;
  let slot: Node | undefined = root;
  let i = 0;

  for (;;) {
    let c = 0;
    while (i < n && isJsonSpace((c = raw[i] as number))) i++;
    if (i >= n) return false;
    const jump = slot === undefined && jumps !== undefined ? jumps.get(i) : undefined;
    if (jump !== undefined) {
      i = jump;
    } else if (c === 0x22) {
      const end = closingQuote(raw, i + 1);
      if (end < 0) return false;
      if (slot !== undefined) {
        if (slot.edit === undefined) return false; // a path goes on below a string
        starts[slot.edit] = i;
        ends[slot.edit] = end + 1;
      }
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b) {
      if (slot?.edit !== undefined) return false; // the leaf is not a string
      depth++;
      if (depth >= kinds.length) {
        kinds = grow(kinds, depth);
        indices = grow(indices, depth);
        keyBase = grow(keyBase, depth);
      }
      kinds[depth] = c === 0x7b ? OBJECT : ARRAY;
      nodes[depth] = slot;
      indices[depth] = 0;
      keyBase[depth] = keys;
      i++;
      while (i < n && isJsonSpace(raw[i] as number)) i++;
      if (raw[i] !== (c === 0x7b ? 0x7d : 0x5d)) {
        if (c === 0x7b) {
          i = readKey(raw, i, depth, keys);
          if (i < 0) return false;
          keys++;
          slot = keyNode(raw, nodes[depth]);
        } else slot = slot?.children?.get(0);
        continue;
      }
      // An empty container: closed below like any other.
    } else {
      if (slot?.edit !== undefined) return false;
      // A number, true, false or null: runs to the next delimiter.
      while (i < n) {
        const d = raw[i] as number;
        if (d === 0x2c || d === 0x7d || d === 0x5d || isJsonSpace(d)) break;
        i++;
      }
    }
    // After a value: commas and closing brackets until the next value.
    for (;;) {
      while (i < n && isJsonSpace(raw[i] as number)) i++;
      if (depth < 0) return i === n;
      const d = raw[i];
      if (d === 0x2c) {
        i++;
        if (kinds[depth] === OBJECT) {
          while (i < n && isJsonSpace(raw[i] as number)) i++;
          i = readKey(raw, i, depth, keys);
          if (i < 0) return false;
          keys++;
          slot = keyNode(raw, nodes[depth]);
        } else {
          const index = (indices[depth] as number) + 1;
          indices[depth] = index;
          slot = nodes[depth]?.children?.get(index);
        }
        break;
      }
      if (d === 0x7d || d === 0x5d) {
        i++;
        keys = keyBase[depth] as number;
        nodes[depth] = undefined;
        depth--;
        continue;
      }
      return false;
    }
  }
}

/** Where the last key read starts and ends (its content, quotes excluded). */
let keyStart = 0;
let keyEnd = 0;

/**
 * Reads the key at `i` (its opening quote) of the object at `depth`, whose keys so far are
 * keyHashes[keyBase[depth]..keys): the index after its colon, or -1 to give up (an escape or a
 * non-ASCII byte in it, or the same hash as an earlier key of the object: a repeated key, or by
 * rare chance another key, which costs nothing but the fast path).
 */
function readKey(raw: Buffer, i: number, depth: number, keys: number): number {
  const n = raw.length;
  let h = 0x811c9dc5;
  let k = i + 1;
  for (; k < n; k++) {
    const c = raw[k] as number;
    if (c === 0x22) break;
    if (c === 0x5c || c >= 0x80) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (k >= n) return -1;
  h ^= k - i;
  for (let j = keyBase[depth] as number; j < keys; j++) if (keyHashes[j] === h) return -1;
  if (keys >= keyHashes.length) keyHashes = grow(keyHashes, keys);
  keyHashes[keys] = h;
  keyStart = i + 1;
  keyEnd = k;
  k++;
  while (k < n && isJsonSpace(raw[k] as number)) k++;
  return k + 1; // past the colon
}

/** The trie node for the key just read, in a container at `container`. */
function keyNode(raw: Buffer, container: Node | undefined): Node | undefined {
  if (container?.children === undefined) return undefined;
  return container.children.get(raw.toString('latin1', keyStart, keyEnd));
}

/**
 * An edited text's token, serialized and encoded. The same edits of the same texts come back
 * every turn (surrogates are deterministic), so long tokens are kept by their text: comparing
 * it costs less than escaping and UTF-8-encoding it again. Only ever copied from, never changed.
 */
const tokenCache = new TextCache<Buffer>(256, 2_000_000);
const CACHED_MIN_LENGTH = 64;

function tokenOf(text: string): Buffer {
  if (text.length < CACHED_MIN_LENGTH) return Buffer.from(JSON.stringify(text), 'utf8');
  let token = tokenCache.get(text);
  if (token === undefined) tokenCache.set(text, (token = Buffer.from(JSON.stringify(text), 'utf8')));
  return token;
}

function assemble(
  raw: Buffer,
  edits: readonly LeafEdit[],
  starts: readonly number[],
  ends: readonly number[],
  inPlace: boolean,
): Buffer | undefined {
  const order = sortIfNeeded(
    edits.map((_, e) => e),
    (a, b) => (starts[a] as number) - (starts[b] as number),
  );
  const tokens: Buffer[] = [];
  let size = raw.length;
  /** Whether, after every edit, the output so far is no longer than the input so far. */
  let neverAhead = true;
  for (const e of order) {
    if ((starts[e] as number) < 0) return undefined; // a path that is not in the bytes
    const token = tokenOf((edits[e] as LeafEdit).text);
    tokens.push(token);
    size += token.length - ((ends[e] as number) - (starts[e] as number));
    if (size > raw.length) neverAhead = false;
  }
  if (inPlace && neverAhead) return assembleInPlace(raw, order, tokens, starts, ends);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  let from = 0;
  order.forEach((e, k) => {
    at += raw.copy(out, at, from, starts[e]);
    at += (tokens[k] as Buffer).copy(out, at);
    from = ends[e] as number;
  });
  raw.copy(out, at, from);
  return out;
}

/**
 * The same bytes written over `raw` itself, from the first edit on: every write lands at or
 * before the bytes it could overwrite are read (the output is never ahead of the input), and
 * moves within the buffer are memmoves. Saves a fresh allocation of the whole body, which costs
 * far more than the copy (new memory is zeroed by the kernel page by page on first touch).
 */
function assembleInPlace(
  raw: Buffer,
  order: readonly number[],
  tokens: readonly Buffer[],
  starts: readonly number[],
  ends: readonly number[],
): Buffer {
  let at = starts[order[0] as number] as number;
  let from = at;
  order.forEach((e, k) => {
    const start = starts[e] as number;
    if (at !== from) raw.copyWithin(at, from, start);
    at += start - from;
    at += (tokens[k] as Buffer).copy(raw, at);
    from = ends[e] as number;
  });
  if (at !== from) raw.copyWithin(at, from);
  return raw.subarray(0, at + (raw.length - from));
}
