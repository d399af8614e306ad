/**
 * One-pass multi-pattern prefilter: a DFA over UTF-16 code units that finds every occurrence of
 * every keyword (and every canary encoding) in a single left-to-right scan, whatever the number
 * of patterns. It is Aho-Corasick generalised to patterns whose positions are small character
 * sets (`\d` a digit, `\h` a hex digit, `[...]` a set), built by subset construction over
 * equivalence classes of characters, so the hot loop is two typed-array loads per character.
 * The construction is lazy: a state and a transition are made when a scan first needs them.
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

export interface LiteralDfa {
  patternCount: number;
  /** Length in code units of each pattern. */
  lengths: Int32Array;
  /** Appends [patternId, startIndex] pairs for every occurrence, in order of end position. */
  scan(text: string, out: HitBuffer): void;
  /** States built so far: a state is built when a scan first reaches it. */
  readonly stateCount: number;
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

/**
 * States the automaton keeps at most. The built-in rules and a machine's canaries make about
 * 11,000 in all, of which real transcripts reach about 2,300. Patterns that would need more
 * (long runs of broad classes) empty the cache and go on; a text that alone would need more is
 * scanned by following the pattern items directly (slower, the same hits).
 */
const MAX_STATES = 60_000;

/**
 * A transition not computed yet. Negative, so the scan loops' rarely taken branch (a hit) sees
 * it. A state's row is filled with it when the state is made: the rest of the table stays the
 * zeroed memory it was allocated as, which the system maps only where rows are written (a cache
 * of 60,000 states of ~90 classes reserves 21 MB and uses what the states reached need).
 */
const UNKNOWN = -0x80000000;

/** The table's size at most: fewer states are kept when there are many classes. */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;

/** Thrown by a transition that would make more than MAX_STATES states. */
const FULL = Symbol('automaton full');

/** The outputs of a state that completes no pattern (most states), shared. */
const NO_OUTPUT: number[] = [];

/** Texts from this length on are scanned as four interleaved chains (see scanLong). */
const INTERLEAVE_FROM = 256;

export interface DfaOptions {
  /** Length from which a text is scanned in four interleaved chains (tests lower it). */
  interleaveFrom?: number;
  /** States kept at most before the cache is emptied (tests lower it). */
  maxStates?: number;
}

/**
 * The patterns as NFA items over character classes: everything a transition is computed from.
 * An item is (pattern, characters matched); its id is `offsets[pattern] + matched`.
 */
interface Items {
  /** Code unit → character class. */
  classMap: Uint16Array;
  classCount: number;
  /** Per pattern, the id of each position's set. */
  patternSetIds: number[][];
  /** setHasClass[set][class]: 1 when the set holds the class. */
  setHasClass: Uint8Array[];
  offsets: Int32Array;
  itemPattern: Int32Array;
  /** Per class: the items of the patterns whose first set holds it (one character matched). */
  firstByClass: number[][];
  /**
   * Classes with the same first-position items share a group. A state is the set of its class's
   * first-position items plus its advanced items (two or more characters matched): the pair
   * (group, advanced items) names it in a few numbers.
   */
  groupOf: Int32Array;
  groupCount: number;
  /** Per group and class: the items that group's first-position items advance to, if any. */
  groupAdvanced: (number[] | undefined)[][];
  lengths: Int32Array;
}

function compileItems(patterns: readonly DfaPattern[]): Items {
  // Equivalence classes: code units that every set treats alike share one class.
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
  const setHasClass = setList.map(() => new Uint8Array(classCount));
  for (let k = 0; k + 1 < points.length; k++)
    for (const id of members[k]!) setHasClass[id]![classOfInterval[k]!] = 1;
  const setClasses = setHasClass.map((has) => {
    const list: number[] = [];
    for (let c = 0; c < classCount; c++) if (has[c]) list.push(c);
    return list;
  });

  const offsets = new Int32Array(patterns.length + 1);
  patterns.forEach((p, k) => (offsets[k + 1] = offsets[k]! + p.sets.length + 1));
  const itemPattern = new Int32Array(offsets[patterns.length]!);
  patterns.forEach((p, k) => itemPattern.fill(k, offsets[k]!, offsets[k + 1]!));
  const firstByClass: number[][] = Array.from({ length: classCount }, () => []);
  patternSetIds.forEach((ids, p) => {
    for (const c of setClasses[ids[0]!]!) firstByClass[c]!.push(offsets[p]! + 1);
  });
  const groupOf = new Int32Array(classCount);
  const groupKeys = new Map<string, number>();
  for (let c = 0; c < classCount; c++) {
    const key = firstByClass[c]!.join(',');
    let g = groupKeys.get(key);
    if (g === undefined) groupKeys.set(key, (g = groupKeys.size));
    groupOf[c] = g;
  }
  const groupCount = groupKeys.size;
  const groupAdvanced: (number[] | undefined)[][] = Array.from({ length: groupCount }, () => []);
  const groupDone = new Uint8Array(groupCount);
  for (let c = 0; c < classCount; c++) {
    const g = groupOf[c]!;
    if (groupDone[g]) continue;
    groupDone[g] = 1;
    const lists = groupAdvanced[g]!;
    for (const item of firstByClass[c]!) {
      const ids = patternSetIds[itemPattern[item]!]!;
      if (ids.length <= 1) continue;
      for (const k of setClasses[ids[1]!]!) (lists[k] ??= []).push(item + 1);
    }
  }
  const lengths = Int32Array.from(patterns.map((p) => p.sets.length));
  return {
    classMap,
    classCount,
    patternSetIds,
    setHasClass,
    offsets,
    itemPattern,
    firstByClass,
    groupOf,
    groupCount,
    groupAdvanced,
    lengths,
  };
}

/** Whether item `item` (not complete) advances on class `c`. */
function advancesOn(items: Items, item: number, c: number): boolean {
  const p = items.itemPattern[item]!;
  const ids = items.patternSetIds[p]!;
  const count = item - items.offsets[p]!;
  return count < ids.length && items.setHasClass[ids[count]!]![c] === 1;
}

/**
 * The states found so far and their transitions. Row s of `delta` (at s × classCount) holds
 * the targets of state s by class: a target's row offset, `~offset` when the target completes
 * a pattern, or UNKNOWN until a scan first takes that transition. Its size is fixed (room for
 * maxStates), so the scan loops hold it in a constant.
 */
class States {
  readonly delta: Int32Array;
  count = 0;
  /** Per state: how many characters its longest partial match has read (0 for the start state). */
  readonly depth: Int32Array;
  /** Per state: its group (-1 for the start state) and advanced items, sorted. */
  private readonly group: number[] = [];
  private readonly advanced: Int32Array[] = [];
  /** States by a hash of (group, advanced items); equal hashes are told apart by comparing. */
  private readonly index = new Map<number, number | number[]>();
  /** The patterns each reporting state completes, by its row offset. */
  readonly outputsByRow = new Map<number, Int32Array>();
  /**
   * From a state of group g on class c, when none of its advanced items advances on c, the
   * target is the same for every state of the group (most transitions are these): by g × classCount + c.
   */
  private readonly groupTarget: Int32Array;
  /** Scratch for the items of a transition's target (stateFor sorts them and keeps a copy). */
  private readonly next: number[] = [];

  constructor(
    private readonly items: Items,
    private readonly maxStates: number,
    delta: Int32Array,
  ) {
    const C = items.classCount;
    this.delta = delta;
    this.depth = new Int32Array(maxStates);
    this.groupTarget = new Int32Array(items.groupCount * C).fill(-1);
    // The start state (only first positions can begin) and its whole row, found at once.
    this.group.push(-1);
    this.advanced.push(new Int32Array(0));
    this.count = 1;
    for (let c = 0; c < C; c++) this.delta[c] = this.encode(this.stateFor(c, []));
  }

  /** The target of the state at row offset `row` on class `c`: computed, stored, returned. */
  transition(row: number, c: number): number {
    const { items, next } = this;
    const C = items.classCount;
    const s = row / C;
    const g = this.group[s]!;
    next.length = 0;
    const fromGroup = items.groupAdvanced[g]![c];
    if (fromGroup !== undefined) for (const item of fromGroup) next.push(item);
    let own = false;
    for (const item of this.advanced[s]!) {
      if (advancesOn(items, item, c)) {
        next.push(item + 1);
        own = true;
      }
    }
    let t = own ? -1 : this.groupTarget[g * C + c]!;
    if (t === -1) {
      t = this.encode(this.stateFor(c, next));
      if (!own) this.groupTarget[g * C + c] = t;
    }
    this.delta[row + c] = t;
    return t;
  }

  private encode(state: number): number {
    const row = state * this.items.classCount;
    return this.outputsByRow.has(row) ? ~row : row;
  }

  private same(s: number, g: number, advanced: readonly number[]): boolean {
    if (this.group[s] !== g) return false;
    const known = this.advanced[s]!;
    if (known.length !== advanced.length) return false;
    for (let k = 0; k < known.length; k++) if (known[k] !== advanced[k]) return false;
    return true;
  }

  /** The state reached on class c with these advanced items: found, or made. */
  private stateFor(c: number, advanced: number[]): number {
    // Insertion sort: a handful of items, mostly in order already.
    for (let i = 1; i < advanced.length; i++) {
      const item = advanced[i]!;
      let j = i - 1;
      for (; j >= 0 && advanced[j]! > item; j--) advanced[j + 1] = advanced[j]!;
      advanced[j + 1] = item;
    }
    const { items } = this;
    const g = items.groupOf[c]!;
    let h = Math.imul(g + 1, 0x9e3779b1);
    for (const item of advanced) h = Math.imul(h ^ item, 0x01000193) ^ (h >>> 15);
    const bucket = this.index.get(h);
    if (typeof bucket === 'number') {
      if (this.same(bucket, g, advanced)) return bucket;
    } else if (bucket !== undefined) {
      for (const s of bucket) if (this.same(s, g, advanced)) return s;
    }
    const target = this.count;
    if (target >= this.maxStates) throw FULL;
    if (bucket === undefined) this.index.set(h, target);
    else if (typeof bucket === 'number') this.index.set(h, [bucket, target]);
    else bucket.push(target);
    this.count = target + 1;
    this.delta.fill(UNKNOWN, target * items.classCount, (target + 1) * items.classCount);
    this.group.push(g);
    this.advanced.push(Int32Array.from(advanced));
    let out: number[] = NO_OUTPUT;
    let depth = 0;
    const { offsets, itemPattern, lengths } = items;
    for (const list of [items.firstByClass[c]!, advanced]) {
      for (const it of list) {
        const p = itemPattern[it]!;
        const count = it - offsets[p]!;
        if (count > depth) depth = count;
        if (count !== lengths[p]) continue;
        if (out === NO_OUTPUT) out = [];
        out.push(p);
      }
    }
    this.depth[target] = depth;
    if (out !== NO_OUTPUT) this.outputsByRow.set(target * items.classCount, Int32Array.from(out));
    return target;
  }
}

/**
 * The keyword automaton for `patterns`. Only the character classes and the start state are
 * made here; every other state and transition is made the first time a scan needs it (real
 * texts reach a fifth of the states, and a few percent of the transitions, that a full subset
 * construction makes: that construction was most of the detection engine's build, about 0.2 s
 * per thread that built one).
 */
export function buildDfa(patterns: readonly DfaPattern[], options: DfaOptions = {}): LiteralDfa {
  const items = compileItems(patterns);
  const { classMap, classCount, lengths } = items;
  const maxStates = Math.max(
    2 * classCount + 1,
    Math.min(options.maxStates ?? MAX_STATES, Math.floor(MAX_TABLE_BYTES / 4 / classCount)),
  );
  const delta = new Int32Array(maxStates * classCount);
  let st = new States(items, maxStates, delta);
  const interleaveFrom = options.interleaveFrom ?? INTERLEAVE_FROM;
  const chainHits = [new HitBuffer(), new HitBuffer(), new HitBuffer(), new HitBuffer()] as const;

  /** Appends the patterns that end at `i` in state row `t`, if they start before `maxStart`. */
  const emit = (t: number, i: number, out: HitBuffer, maxStart: number): void => {
    const found = st.outputsByRow.get(t)!;
    for (let k = 0; k < found.length; k++) {
      const p = found[k]!;
      const start = i + 1 - lengths[p]!;
      if (start < maxStart) out.push(p, start);
    }
  };

  /**
   * What a scan loop does on a negative entry `t` (on class c from row `row`, at i): makes the
   * transition when it is UNKNOWN, emits the patterns its target completes; returns the target's
   * row.
   */
  const settle = (t: number, row: number, c: number, i: number, out: HitBuffer, maxStart: number): number => {
    if (t === UNKNOWN) t = st.transition(row, c);
    if (t < 0) emit((t = ~t), i, out, maxStart);
    return t;
  };

  /**
   * The four chains' entries (t, then rows, then classes), settled in place by settleChains: the
   * four-chain loop makes one call for all four. A call per chain (four call sites in the loop)
   * measured about 20% slower on every character, hits or not.
   */
  const steps = new Int32Array(12);
  const settleChains = (i: number, q: number, n: number): void => {
    for (let j = 0; j < 4; j++) {
      const t = steps[j]!;
      if (t < 0) steps[j] = settle(t, steps[4 + j]!, steps[8 + j]!, i + j * q, chainHits[j]!, n);
    }
  };

  /**
   * A chain past the end of its quarter, from state row `row` at `from`: it runs while a partial
   * match that began before `from` is alive, i.e. while the state has read more characters than
   * the chain has past `from` (a few characters, usually none), and up to `to`.
   */
  const finish = (text: string, row: number, from: number, to: number, out: HitBuffer): void => {
    const depth = st.depth;
    for (let i = from; i < to && depth[row / classCount]! > i - from; i++) {
      const c = classMap[text.charCodeAt(i)]!;
      let t = delta[row + c]!;
      if (t < 0) t = settle(t, row, c, i, out, from);
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
      const c = classMap[text.charCodeAt(i)]!;
      let t = delta[row + c]!;
      if (t < 0) t = settle(t, row, c, i, out, i + 1);
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
      // A hit or a transition not made yet (both negative) in any chain.
      if ((t0 | t1 | t2 | t3) < 0) {
        const c0 = classMap[a[i]!]!;
        const c1 = classMap[a[i + q]!]!;
        const c2 = classMap[a[i + q2]!]!;
        const c3 = classMap[a[i + q3]!]!;
        const s = steps;
        s[0] = t0;
        s[1] = t1;
        s[2] = t2;
        s[3] = t3;
        s[4] = r0;
        s[5] = r1;
        s[6] = r2;
        s[7] = r3;
        s[8] = c0;
        s[9] = c1;
        s[10] = c2;
        s[11] = c3;
        settleChains(i, q, n);
        t0 = s[0]!;
        t1 = s[1]!;
        t2 = s[2]!;
        t3 = s[3]!;
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

  const run = (text: string, out: HitBuffer): void => {
    if (text.length >= interleaveFrom) scanLong(text, out);
    else plain(text, 0, 0, text.length, out);
  };

  const dfa: LiteralDfa = {
    patternCount: lengths.length,
    lengths,
    get stateCount() {
      return st.count;
    },
    scan(text: string, out: HitBuffer): void {
      const mark = out.length;
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          run(text, out);
          return;
        } catch (err) {
          if (err !== FULL) throw err;
          // Too many states: start again from an empty cache, in the same table (a state's row
          // is written whole when the state is made again).
          out.length = mark;
          st = new States(items, maxStates, delta);
        }
      }
      scanItems(items, text, out);
    },
  };
  // The scan loops' rare branch (a hit, a transition to make) runs in every chain before any
  // real text, on a text made of the first patterns, once in each chain's quarter: V8 optimises
  // a loop on the feedback of what ran so far, and a branch that first runs in optimised code
  // throws that code away (measured: the four-chain loop was deoptimised during the first long
  // text and not optimised again, 30-75% slower on every text after).
  const sample = patterns
    .slice(0, 8)
    .map((p) => String.fromCharCode(...p.sets.map((set) => set[0]![0])))
    .join(' ');
  const quarter = sample.padEnd(Math.max(64, sample.length), ' ');
  const warm = new HitBuffer();
  dfa.scan(quarter.repeat(4), warm);
  dfa.scan(sample, warm);

  return dfa;
}

/**
 * The automaton's hits found without it, by following the pattern items character by character:
 * for a text that alone reaches more states than the automaton may keep.
 */
function scanItems(items: Items, text: string, out: HitBuffer): void {
  const { classMap, firstByClass, itemPattern, offsets, lengths } = items;
  let alive: number[] = [];
  let next: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = classMap[text.charCodeAt(i)]!;
    next.length = 0;
    for (const item of firstByClass[c]!) next.push(item);
    for (const item of alive) if (advancesOn(items, item, c)) next.push(item + 1);
    for (const item of next) {
      const p = itemPattern[item]!;
      if (item - offsets[p]! === lengths[p]) out.push(p, i + 1 - lengths[p]!);
    }
    [alive, next] = [next, alive];
  }
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
