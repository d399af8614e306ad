/**
 * One-pass multi-pattern prefilter: a DFA over UTF-16 code units that finds every occurrence of
 * every keyword (and every canary encoding) in a single left-to-right scan, whatever the number
 * of patterns. It is Aho-Corasick generalised to patterns whose positions are small character
 * sets (`\d` a digit, `\h` a hex digit, `[...]` a set), built by subset construction over
 * equivalence classes of characters, so the hot loop is two typed-array loads per character.
 *
 * Keep class runs short (a few positions): a long run of a broad set multiplies DFA states.
 */

/** Inclusive code-unit ranges, sorted, not overlapping. */
export type CharSet = readonly (readonly [number, number])[];

export interface DfaPattern {
  sets: readonly CharSet[];
}

const DIGITS: CharSet = [[0x30, 0x39]];
const HEX: CharSet = [
  [0x30, 0x39],
  [0x41, 0x46],
  [0x61, 0x66],
];

function normalise(ranges: [number, number][]): CharSet {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function foldChar(code: number, caseInsensitive: boolean): [number, number][] {
  if (!caseInsensitive) return [[code, code]];
  const ch = String.fromCharCode(code);
  const lo = ch.toLowerCase().charCodeAt(0);
  const up = ch.toUpperCase().charCodeAt(0);
  // Only simple one-to-one foldings; others stay exact.
  if (ch.toLowerCase().length !== 1 || ch.toUpperCase().length !== 1) return [[code, code]];
  return [
    [lo, lo],
    [up, up],
  ];
}

/**
 * Parses the keyword mini-language: literal characters (case-insensitive), `\d`, `\h`,
 * `\uXXXX`, `\` + any other character for that character, and `[...]` sets with ranges.
 */
export function parseKeyword(keyword: string): CharSet[] {
  const sets: CharSet[] = [];
  let i = 0;
  const readAtom = (inSet: boolean): [number, number][] => {
    const c = keyword[i];
    if (c === '\\') {
      const n = keyword[i + 1];
      if (n === undefined) throw new Error(`keyword ${JSON.stringify(keyword)} ends with a backslash`);
      if (n === 'd') return ((i += 2), DIGITS.map((r) => [r[0], r[1]]));
      if (n === 'h') return ((i += 2), HEX.map((r) => [r[0], r[1]]));
      if (n === 'u') {
        const hex = keyword.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex))
          throw new Error(`keyword ${JSON.stringify(keyword)}: bad \\u escape`);
        i += 6;
        const code = parseInt(hex, 16);
        return [[code, code]];
      }
      i += 2;
      return foldChar(n.charCodeAt(0), !inSet);
    }
    i += 1;
    return foldChar(c!.charCodeAt(0), !inSet);
  };
  while (i < keyword.length) {
    if (keyword[i] === '[') {
      i += 1;
      const ranges: [number, number][] = [];
      while (i < keyword.length && keyword[i] !== ']') {
        const first = readAtom(true);
        if (keyword[i] === '-' && keyword[i + 1] !== ']' && first.length === 1) {
          i += 1;
          const second = readAtom(true);
          ranges.push([first[0]![0], second[0]![1]]);
        } else ranges.push(...first);
      }
      if (keyword[i] !== ']') throw new Error(`keyword ${JSON.stringify(keyword)}: unclosed [`);
      i += 1;
      sets.push(normalise(ranges));
    } else sets.push(normalise(readAtom(false)));
  }
  if (sets.length === 0) throw new Error('empty keyword');
  return sets;
}

/** A literal (no mini-language), optionally case-insensitive: used for canary encodings. */
export function literalSets(value: string, caseInsensitive: boolean): CharSet[] {
  return Array.from({ length: value.length }, (_, k) =>
    normalise(foldChar(value.charCodeAt(k), caseInsensitive)),
  );
}

/**
 * Everything the scan loop reads, as flat typed arrays: what `buildDfa` computes, and what
 * `dfaFromTables` needs to scan without computing it again (another thread can be handed these,
 * in SharedArrayBuffers, instead of repeating the subset construction).
 */
export interface DfaTables {
  /** Code unit → character class. */
  classMap: Uint16Array;
  /** Row offset (state × classCount) + class → target row offset, or ~offset if it reports. */
  delta: Int32Array;
  /** Per state, its reported patterns: outputData[outputStart[s] .. outputStart[s + 1]). */
  outputStart: Int32Array;
  outputData: Int32Array;
  /** Length in code units of each pattern. */
  lengths: Int32Array;
  /** Per state: how many characters its longest partial match has read. */
  depth: Int32Array;
  classCount: number;
  stateCount: number;
}

/** The same tables in SharedArrayBuffers: posted to a worker thread, they are shared, not copied. */
export function shareDfaTables(t: DfaTables): DfaTables {
  const share = <A extends Uint16Array | Int32Array>(a: A, make: (b: SharedArrayBuffer) => A): A => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const copy = make(new SharedArrayBuffer(a.byteLength));
    copy.set(a);
    return copy;
  };
  const i32 = (a: Int32Array): Int32Array => share(a, (b) => new Int32Array(b));
  return {
    classMap: share(t.classMap, (b) => new Uint16Array(b)),
    delta: i32(t.delta),
    outputStart: i32(t.outputStart),
    outputData: i32(t.outputData),
    lengths: i32(t.lengths),
    depth: i32(t.depth),
    classCount: t.classCount,
    stateCount: t.stateCount,
  };
}

export interface LiteralDfa {
  /** The automaton's tables (see dfaFromTables). */
  tables: DfaTables;
  patternCount: number;
  /** Length in code units of each pattern. */
  lengths: Int32Array;
  /**
   * Appends [patternId, startIndex] pairs for every occurrence, in order of end position.
   * Returns the number of int32 slots written.
   */
  scan(text: string, out: HitBuffer): void;
  stateCount: number;
}

/** A growable list of (pattern, start) pairs reused across scans. */
export class HitBuffer {
  data: Int32Array;
  length = 0;
  constructor() {
    // Stored twice on purpose. V8 takes a field that was never reassigned for a constant, and
    // code optimised on that assumption (the scan loops that push here) is thrown away when the
    // first buffer grows; a second store now tells it at once that the field changes. Measured
    // (--trace-opt, one thread, 210 MB): scanLong compiled 4 times before, including an OSR
    // compile aborted by that change.
    this.data = new Int32Array(0);
    this.data = new Int32Array(1024);
  }
  reset(): void {
    this.length = 0;
  }
  push(pattern: number, start: number): void {
    if (this.length + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = pattern;
    this.data[this.length++] = start;
  }
}

const MAX_STATES = 60_000;

/** The outputs of a state that completes no pattern (most states), shared. */
const NO_OUTPUT: number[] = [];

/** Texts from this length on are scanned as four interleaved chains (see scanLong). */
const INTERLEAVE_FROM = 256;

export interface DfaOptions {
  /** Length from which a text is scanned in four interleaved chains (tests lower it). */
  interleaveFrom?: number;
}

export function buildDfa(patterns: readonly DfaPattern[], options: DfaOptions = {}): LiteralDfa {
  return dfaFromTables(buildDfaTables(patterns), options);
}

/** The subset construction: patterns to the automaton's tables (the costly part of buildDfa). */
export function buildDfaTables(patterns: readonly DfaPattern[]): DfaTables {
  // 1. Equivalence classes: code units that every set treats alike share one class.
  const setKeys = new Map<string, number>();
  const setList: CharSet[] = [];
  const patternSetIds = patterns.map((p) =>
    p.sets.map((s) => {
      const key = JSON.stringify(s);
      let id = setKeys.get(key);
      if (id === undefined) {
        id = setList.length;
        setKeys.set(key, id);
        setList.push(s);
      }
      return id;
    }),
  );
  const bounds = new Set<number>([0, 0x10000]);
  for (const set of setList) for (const [lo, hi] of set) bounds.add(lo).add(hi + 1);
  const points = [...bounds].sort((a, b) => a - b);
  const intervalOf = new Map(points.map((p, k) => [p, k]));
  // members[k]: the sets that contain elementary interval k.
  const members: number[][] = points.map(() => []);
  setList.forEach((set, id) => {
    for (const [lo, hi] of set) for (let k = intervalOf.get(lo)!; points[k]! <= hi; k++) members[k]!.push(id);
  });
  const signatureOf = new Map<string, number>();
  const classOfInterval: number[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const sig = members[k]!.join(',');
    let cls = signatureOf.get(sig);
    if (cls === undefined) {
      cls = signatureOf.size;
      signatureOf.set(sig, cls);
    }
    classOfInterval.push(cls);
  }
  const classCount = signatureOf.size;
  if (classCount > 0xffff) throw new Error('too many character classes');
  const classMap = new Uint16Array(0x10000);
  for (let k = 0; k + 1 < points.length; k++) classMap.fill(classOfInterval[k]!, points[k]!, points[k + 1]!);
  // setHasClass[setId][cls]
  const setHasClass = setList.map(() => new Uint8Array(classCount));
  for (let k = 0; k + 1 < points.length; k++)
    for (const id of members[k]!) setHasClass[id]![classOfInterval[k]!] = 1;

  // 2. Subset construction. An NFA item is (pattern, matched count); item id = offset + count.
  const offsets = new Int32Array(patterns.length + 1);
  patterns.forEach((p, k) => (offsets[k + 1] = offsets[k]! + p.sets.length + 1));
  const itemPattern = new Int32Array(offsets[patterns.length]!);
  patterns.forEach((p, k) => itemPattern.fill(k, offsets[k]!, offsets[k + 1]!));
  const firstByClass: number[][] = Array.from({ length: classCount }, () => []);
  patternSetIds.forEach((ids, p) => {
    const has = setHasClass[ids[0]!]!;
    for (let c = 0; c < classCount; c++) if (has[c]) firstByClass[c]!.push(offsets[p]! + 1);
  });

  const setClasses = setHasClass.map((has) => {
    const list: number[] = [];
    for (let c = 0; c < classCount; c++) if (has[c]) list.push(c);
    return list;
  });

  // Classes with the same first-position items share a group id. A DFA state is the set of
  // first-position items (count 1, fixed by the class) plus advanced items (count >= 2): the
  // pair (group, advanced items) is a canonical key that stays short.
  const groupOf = new Int32Array(classCount);
  const groupKeys = new Map<string, number>();
  for (let c = 0; c < classCount; c++) {
    const key = firstByClass[c]!.join(',');
    let g = groupKeys.get(key);
    if (g === undefined) groupKeys.set(key, (g = groupKeys.size));
    groupOf[c] = g;
  }
  const stateItems: Int32Array[] = [new Int32Array(0)];
  // Row s (the targets of state s by class) at s * classCount, grown as states are found.
  let table = new Int32Array(1024 * classCount);
  const outputs: number[][] = [[]];
  // States by their canonical key, hashed to a number (a string key per transition was most of
  // the build time); states with equal hashes are told apart by comparing group and items.
  const stateGroup: number[] = [-1];
  const stateAdvanced: Int32Array[] = [new Int32Array(0)];
  const stateIndex = new Map<number, number | number[]>();
  const sameState = (s: number, g: number, advanced: readonly number[]): boolean => {
    if (stateGroup[s] !== g) return false;
    const known = stateAdvanced[s]!;
    if (known.length !== advanced.length) return false;
    for (let k = 0; k < known.length; k++) if (known[k] !== advanced[k]) return false;
    return true;
  };
  const stateFor = (c: number, advanced: number[]): number => {
    // Insertion sort: a handful of items, mostly in order already.
    for (let i = 1; i < advanced.length; i++) {
      const item = advanced[i]!;
      let j = i - 1;
      for (; j >= 0 && advanced[j]! > item; j--) advanced[j + 1] = advanced[j]!;
      advanced[j + 1] = item;
    }
    const g = groupOf[c]!;
    let h = Math.imul(g + 1, 0x9e3779b1);
    for (const item of advanced) h = Math.imul(h ^ item, 0x01000193) ^ (h >>> 15);
    const bucket = stateIndex.get(h);
    if (typeof bucket === 'number') {
      if (sameState(bucket, g, advanced)) return bucket;
    } else if (bucket !== undefined) {
      for (const s of bucket) if (sameState(s, g, advanced)) return s;
    }
    const target = stateItems.length;
    if (target >= MAX_STATES)
      throw new Error(`keyword automaton exceeds ${MAX_STATES} states: shorten class runs`);
    if (bucket === undefined) stateIndex.set(h, target);
    else if (typeof bucket === 'number') stateIndex.set(h, [bucket, target]);
    else bucket.push(target);
    stateGroup.push(g);
    stateAdvanced.push(Int32Array.from(advanced));
    const first = firstByClass[c]!;
    const items = new Int32Array(first.length + advanced.length);
    items.set(first);
    items.set(advanced, first.length);
    stateItems.push(items);
    let out: number[] = NO_OUTPUT;
    for (const it of items) {
      const p = itemPattern[it]!;
      if (it - offsets[p]! !== patternSetIds[p]!.length) continue;
      if (out === NO_OUTPUT) out = [];
      out.push(p);
    }
    outputs.push(out);
    return target;
  };
  // The start state: only first positions can begin.
  const row0 = new Int32Array(classCount);
  for (let c = 0; c < classCount; c++) row0[c] = stateFor(c, []);
  table.set(row0, 0);
  // A state's items are its group's first-position items, then its advanced items. What the
  // first-position items advance to depends on the group alone: per group, the classes they
  // advance on (in order of first appearance) and for each such class the items they become.
  const groupCount = groupKeys.size;
  const groupLive: number[][] = Array.from({ length: groupCount }, () => []);
  const groupAdvanced: number[][][] = Array.from({ length: groupCount }, () => []);
  const groupDone = new Uint8Array(groupCount);
  for (let c = 0; c < classCount; c++) {
    const g = groupOf[c]!;
    if (groupDone[g]) continue;
    groupDone[g] = 1;
    const lists = groupAdvanced[g]!;
    for (const item of firstByClass[c]!) {
      const ids = patternSetIds[itemPattern[item]!]!;
      if (ids.length <= 1) continue;
      for (const k of setClasses[ids[1]!]!) {
        let list = lists[k];
        if (list === undefined) {
          lists[k] = list = [];
          groupLive[g]!.push(k);
        }
        list.push(item + 1);
      }
    }
  }
  // The target from a state of group g on class c when none of its advanced items advances on
  // c: the same for every state of the group, so found once (most transitions are these).
  const groupTarget = new Int32Array(groupCount * classCount).fill(-1);
  // Per class: the advanced items of the current state that advance on it, filled in one pass
  // over those items (each item visits only the classes of its next set).
  const advancedByClass: number[][] = Array.from({ length: classCount }, () => []);
  const touched: number[] = [];
  /** The items of a transition's target (stateFor sorts them and keeps a copy). */
  const next: number[] = [];
  for (let s = 1; s < stateItems.length; s++) {
    const g = stateGroup[s]!;
    if ((s + 1) * classCount > table.length) {
      const grown = new Int32Array(2 * table.length);
      grown.set(table);
      table = grown;
    }
    // On a class no item of this state can advance on, the state behaves like the start state:
    // copy its row and compute only the "live" classes, in order of first appearance (the
    // group's, then the advanced items'), so states are numbered in the order they are found.
    const row = table.subarray(s * classCount, (s + 1) * classCount);
    row.set(row0);
    for (const item of stateAdvanced[s]!) {
      const p = itemPattern[item]!;
      const count = item - offsets[p]!;
      const ids = patternSetIds[p]!;
      if (count >= ids.length) continue;
      for (const c of setClasses[ids[count]!]!) {
        const list = advancedByClass[c]!;
        if (list.length === 0) touched.push(c);
        list.push(item + 1);
      }
    }
    const lists = groupAdvanced[g]!;
    for (const c of groupLive[g]!) {
      const own = advancedByClass[c]!;
      let t = own.length === 0 ? groupTarget[g * classCount + c]! : -1;
      if (t < 0) {
        next.length = 0;
        for (const item of lists[c]!) next.push(item);
        for (const item of own) next.push(item);
        t = stateFor(c, next);
        if (own.length === 0) groupTarget[g * classCount + c] = t;
      }
      row[c] = t;
    }
    for (const c of touched) {
      if (lists[c] === undefined) row[c] = stateFor(c, advancedByClass[c]!);
      advancedByClass[c]!.length = 0; // stateFor keeps a copy
    }
    touched.length = 0;
  }
  const stateCount = stateItems.length;
  // 3. Flat table of row offsets; a target that reports patterns is stored as ~offset (negative).
  const delta = table.slice(0, stateCount * classCount);
  for (let k = 0; k < delta.length; k++) {
    const t = delta[k]!;
    delta[k] = outputs[t]!.length > 0 ? ~(t * classCount) : t * classCount;
  }
  const outputStart = new Int32Array(stateCount + 1);
  outputs.forEach((o, s) => (outputStart[s + 1] = outputStart[s]! + o.length));
  const outputData = Int32Array.from(outputs.flat());
  const lengths = Int32Array.from(patterns.map((p) => p.sets.length));
  // Per state: how many characters its longest partial match has read (0 for the start state).
  const depth = new Int32Array(stateCount);
  stateItems.forEach((items, st) => {
    for (const it of items) depth[st] = Math.max(depth[st]!, it - offsets[itemPattern[it]!]!);
  });
  return {
    classMap,
    delta,
    outputStart,
    outputData,
    lengths,
    depth,
    classCount,
    stateCount,
  };
}

/** A scanner over built tables (from buildDfaTables, possibly built in another thread). */
export function dfaFromTables(tables: DfaTables, options: DfaOptions = {}): LiteralDfa {
  const { classMap, delta, lengths, depth, classCount, outputStart, outputData } = tables;
  const outputsByRow = new Map<number, Int32Array>();
  for (let s = 0; s < tables.stateCount; s++) {
    if (outputStart[s + 1]! > outputStart[s]!)
      outputsByRow.set(s * classCount, outputData.slice(outputStart[s]!, outputStart[s + 1]!));
  }
  const interleaveFrom = options.interleaveFrom ?? INTERLEAVE_FROM;
  const chainHits = [new HitBuffer(), new HitBuffer(), new HitBuffer(), new HitBuffer()] as const;

  /** Appends the patterns that end at `i` in state row `t`, if they start before `maxStart`. */
  const emit = (t: number, i: number, out: HitBuffer, maxStart: number): void => {
    const found = outputsByRow.get(t)!;
    for (let k = 0; k < found.length; k++) {
      const p = found[k]!;
      const start = i + 1 - lengths[p]!;
      if (start < maxStart) out.push(p, start);
    }
  };

  /**
   * A chain past the end of its quarter, from state row `row` at `from`: it runs while a partial
   * match that began before `from` is alive, i.e. while the state has read more characters than
   * the chain has past `from` (a few characters, usually none), and up to `to`.
   */
  const finish = (text: string, row: number, from: number, to: number, out: HitBuffer): void => {
    for (let i = from; i < to && depth[row / classCount]! > i - from; i++) {
      let t = delta[row + classMap[text.charCodeAt(i)]!]!;
      if (t < 0) emit((t = ~t), i, out, from);
      row = t;
    }
  };

  /**
   * One chain from state row `row` over text[from, to), every hit kept; returns the last row.
   * Short texts and the last n % 4 characters of a long one share this loop, so its rarely
   * taken branch (a hit) has type feedback: in a loop of its own at the end of scanLong a hit
   * came so seldom that V8 optimised scanLong without it and bailed out of it at each such hit
   * (16 times in a one-thread scan of 210 MB).
   */
  const plain = (text: string, row: number, from: number, to: number, out: HitBuffer): number => {
    for (let i = from; i < to; i++) {
      let t = delta[row + classMap[text.charCodeAt(i)]!]!;
      if (t < 0) {
        t = ~t;
        const found = outputsByRow.get(t)!;
        for (let k = 0; k < found.length; k++) {
          const p = found[k]!;
          out.push(p, i + 1 - lengths[p]!);
        }
      }
      row = t;
    }
    return row;
  };

  /**
   * A long text is cut in four quarters scanned in lockstep: each step of one chain waits for
   * the table load of its previous step, and four independent chains keep the core busy while
   * they wait. Chain j starts in the start state at its quarter (so it finds exactly the
   * occurrences that start there or later) and runs on into the next quarter while a partial
   * match that began in its own quarter is alive, keeping only occurrences that start in its own.
   */
  const scanLong = (text: string, out: HitBuffer): void => {
    const n = text.length;
    const a = codeUnits(text);
    const q = (n / 4) | 0;
    const q2 = 2 * q;
    const q3 = 3 * q;
    const [h0, h1, h2, h3] = chainHits;
    h0.reset();
    h1.reset();
    h2.reset();
    h3.reset();
    let r0 = 0;
    let r1 = 0;
    let r2 = 0;
    let r3 = 0;
    for (let i = 0; i < q; i++) {
      let t0 = delta[r0 + classMap[a[i]!]!]!;
      let t1 = delta[r1 + classMap[a[i + q]!]!]!;
      let t2 = delta[r2 + classMap[a[i + q2]!]!]!;
      let t3 = delta[r3 + classMap[a[i + q3]!]!]!;
      if ((t0 | t1 | t2 | t3) < 0) {
        if (t0 < 0) emit((t0 = ~t0), i, h0, n);
        if (t1 < 0) emit((t1 = ~t1), i + q, h1, n);
        if (t2 < 0) emit((t2 = ~t2), i + q2, h2, n);
        if (t3 < 0) emit((t3 = ~t3), i + q3, h3, n);
      }
      r0 = t0;
      r1 = t1;
      r2 = t2;
      r3 = t3;
    }
    finish(text, r0, q, n, h0);
    finish(text, r1, q2, n, h1);
    finish(text, r2, q3, n, h2);
    // The last chain also reads the n % 4 characters left after the fourth quarter.
    plain(text, r3, 4 * q, n, h3);
    mergeByEnd(chainHits, lengths, out);
  };

  return {
    tables,
    patternCount: lengths.length,
    lengths,
    stateCount: tables.stateCount,
    scan(text: string, out: HitBuffer): void {
      if (text.length >= interleaveFrom) return scanLong(text, out);
      plain(text, 0, 0, text.length, out);
    },
  };
}

/** Texts up to this many code units keep their copy buffer for the next scan. */
const KEPT_UNITS = 1 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let keptUnits = new Uint16Array(0);
let keptBytes = Buffer.alloc(0);

/**
 * The UTF-16 code units of a text as a typed array: one native copy, after which the scan loop
 * reads plain array elements instead of dispatching on the string's representation per
 * character (measured about 20% faster per character including the copy). Not reentrant: the
 * result is valid until the next call.
 */
function codeUnits(text: string): Uint16Array {
  const n = text.length;
  if (!LITTLE_ENDIAN) return Uint16Array.from({ length: n }, (_, i) => text.charCodeAt(i));
  if (n > KEPT_UNITS) {
    const units = new Uint16Array(n);
    Buffer.from(units.buffer).write(text, 0, 'utf16le');
    return units;
  }
  if (keptUnits.length < n) {
    keptUnits = new Uint16Array(Math.min(KEPT_UNITS, Math.max(n, 2 * keptUnits.length)));
    keptBytes = Buffer.from(keptUnits.buffer);
  }
  keptBytes.write(text, 0, 2 * n, 'utf16le');
  return keptUnits;
}

/**
 * Appends the hits of the chains in order of end position. Each chain's hits are in that order
 * already and only the few a chain found past its quarter's end can interleave with the next
 * chain's, so a merge of the heads suffices; at equal ends the earlier chain goes first.
 */
function mergeByEnd(chains: readonly HitBuffer[], lengths: Int32Array, out: HitBuffer): void {
  const heads = [0, 0, 0, 0];
  for (;;) {
    let best = -1;
    let bestEnd = 0;
    for (let c = 0; c < chains.length; c++) {
      const h = chains[c]!;
      const k = heads[c]!;
      if (k >= h.length) continue;
      const end = h.data[k + 1]! + lengths[h.data[k]!]!;
      if (best < 0 || end < bestEnd) {
        best = c;
        bestEnd = end;
      }
    }
    if (best < 0) return;
    const h = chains[best]!;
    const k = heads[best]!;
    out.push(h.data[k]!, h.data[k + 1]!);
    heads[best] = k + 2;
  }
}
