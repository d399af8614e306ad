/**
 * Finds the surrogates of one request in answer text. A trie over the request's surrogates
 * (tens of entries): positions whose character starts no surrogate cost one Map lookup. Longest
 * match wins (`/home/user/project-1` over `/home/user`), and a match must sit on word boundaries
 * so `project-1` is never found inside `project-12`; a user name's surrogate also where `_` joins
 * it to a word (`user-3_build.log`), as its original was replaced there.
 *
 * Streaming: `scan(..., final = false)` stops at the first position where the text ends while
 * a surrogate (or a longer one, or the boundary after one) could still follow; everything from
 * there on is held back. Decisions before that point never depend on later text, so restoring
 * a stream split anywhere gives exactly what restoring the whole text gives.
 */
import { bounds, isUserSurrogate, isWordChar } from '../word-char.js';

const UNDERSCORE = 95;

export interface RestoreEntry {
  surrogate: string;
  original: string;
  /** Restored only into tool calls, and only when the policy allows it. */
  secret: boolean;
}

interface Node {
  children: Map<number, Node>;
  entry?: RestoreEntry;
  /** The entry stands where `_` joins it (a user name's surrogate, `user-N_build.log`). */
  joins?: boolean;
}

export interface Match {
  start: number;
  end: number;
  entry: RestoreEntry;
}

export interface ScanResult {
  matches: Match[];
  /** Index from which the text is held back; `text.length` when nothing is. */
  holdFrom: number;
}

/**
 * What restoring asks of a matcher (restore-text.ts): a SurrogateMatcher, or one that grows as
 * an answer read back is restored (read-back-stream.ts).
 */
export type Matcher = Pick<SurrogateMatcher, 'scan'>;

export class SurrogateMatcher {
  private readonly root: Node = { children: new Map() };
  /** The characters that start some entry, as a class: the regex engine skips to candidates. */
  private readonly firstChars: RegExp;
  readonly size: number;

  constructor(entries: Iterable<RestoreEntry>) {
    let size = 0;
    for (const entry of entries) {
      if (entry.surrogate === '' || entry.surrogate === entry.original) continue;
      let node = this.root;
      for (let i = 0; i < entry.surrogate.length; i++) {
        const c = entry.surrogate.charCodeAt(i);
        let next = node.children.get(c);
        if (!next) {
          next = { children: new Map() };
          node.children.set(c, next);
        }
        node = next;
      }
      node.entry = entry;
      node.joins = isUserSurrogate(entry.surrogate);
      size++;
    }
    this.size = size;
    const firsts = [...this.root.children.keys()]
      .map((c) => `\\u${c.toString(16).padStart(4, '0')}`)
      .join('');
    this.firstChars = new RegExp(size === 0 ? '[^\\s\\S]' : `[${firsts}]`, 'g');
  }

  /**
   * @param prev    the character just before `text` (the end of what was already sent), or ''.
   * @param secrets whether secret entries count (tool-call fields under a permissive policy).
   */
  scan(text: string, prev: string, final: boolean, secrets: boolean): ScanResult {
    const matches: Match[] = [];
    const len = text.length;
    const roots = this.root.children;
    if (roots.size === 0) return { matches, holdFrom: len };
    const firstChars = this.firstChars;
    let i = 0;
    while (i < len) {
      firstChars.lastIndex = i;
      if (firstChars.exec(text) === null) break;
      i = firstChars.lastIndex - 1;
      const first = roots.get(text.charCodeAt(i)) as Node;
      const before = i > 0 ? text.charCodeAt(i - 1) : prev.length > 0 ? prev.charCodeAt(prev.length - 1) : -1;
      // Inside a word only an entry that `_` may join can start, right after the `_`.
      const joined = isWordChar(text.charCodeAt(i)) && before >= 0 && isWordChar(before);
      if (joined && before !== UNDERSCORE) {
        i++;
        continue;
      }
      const walk = this.walk(text, i, first, final, secrets, joined);
      if (walk === 'hold') return { matches, holdFrom: i };
      if (walk === undefined) {
        i++;
        continue;
      }
      matches.push(walk);
      i = walk.end;
    }
    return { matches, holdFrom: len };
  }

  private walk(
    text: string,
    start: number,
    first: Node,
    final: boolean,
    secrets: boolean,
    /** `_` is just before `start`: only entries it may join count. */
    joined: boolean,
  ): Match | 'hold' | undefined {
    const len = text.length;
    let node = first;
    let j = start + 1;
    let best: Match | undefined;
    for (;;) {
      const entry = node.entry;
      if (entry !== undefined && (secrets || !entry.secret) && (!joined || node.joins === true)) {
        const lastIsWord = isWordChar(entry.surrogate.charCodeAt(entry.surrogate.length - 1));
        if (j === len) {
          // The next character decides the boundary (and may extend to a longer surrogate).
          if (!final && (lastIsWord || node.children.size > 0)) return 'hold';
          return { start, end: j, entry };
        }
        if (!lastIsWord || bounds(text.charCodeAt(j), node.joins === true)) best = { start, end: j, entry };
      }
      if (j === len) return final || node.children.size === 0 ? best : 'hold';
      const next = node.children.get(text.charCodeAt(j));
      if (next === undefined) return best;
      node = next;
      j++;
    }
  }
}
