/**
 * A detection rule is data: what it finds, how to prefilter it, how to confirm it, and samples
 * that prove it (the gitleaks pattern: each rule carries true- and false-positive samples and a
 * test fails when one of them stops behaving).
 */
import type { Role } from '../dialects/types.js';
import type { Category, Severity, ValueKind } from './types.js';

/** What a validator sees: the candidate value and where it sits in the whole text. */
export interface MatchContext {
  text: string;
  /** Span of the reported value. */
  start: number;
  end: number;
  /** Span of the whole regex match (context words included). */
  matchStart: number;
  matchEnd: number;
  /** Named groups of the match (only those that took part). */
  groups: Readonly<Record<string, string | undefined>>;
}

export type Validator = (value: string, ctx: MatchContext) => boolean;

export interface LinearMatch {
  start: number;
  end: number;
  valueStart: number;
  valueEnd: number;
}

/** A true-positive sample: the text alone, or the text and the exact value the rule must report. */
export type PositiveSample = string | readonly [text: string, value: string];

export interface RuleDef {
  id: string;
  category: Category;
  severity: Severity;
  kind: ValueKind;
  description: string;
  /**
   * Prefilter keywords, in the mini-language of literal-dfa.ts (case-insensitive literals,
   * `\d`, `\h`, `[...]`). Every match of `pattern` must contain one of them starting at most
   * `lookback` characters after the match start. Empty only for header rules.
   */
  keywords: readonly string[];
  /** Maximum distance from the start of a match to the start of its keyword (default 0). */
  lookback?: number;
  /**
   * JavaScript regular expression source. The named group `v`, when present, is the reported
   * value; otherwise the whole match is. Context may sit in lookbehinds or outside `v`.
   */
  pattern?: string;
  /** Extra regex flags: only `i` and `u` are allowed. */
  flags?: string;
  /** Grow the reported span to the left over these characters (e.g. an email's local part). */
  extendLeft?: { chars: string; max: number };
  validate?: Validator;
  /**
   * The kind of one accepted match, where it depends on the match (the variable a dump names,
   * an address or a host name in a URL): its surrogate then has that match's shape. Without it,
   * or where it returns undefined, every finding of the rule has `kind`.
   */
  kindOf?: (value: string, ctx: MatchContext) => ValueKind | undefined;
  /**
   * A linear-time matcher used instead of `pattern` (user rules, see user-rules.ts): finds the
   * leftmost match starting at or after `from` in the whole text, or null.
   */
  linearMatch?: (text: string, from: number) => LinearMatch | null;
  /** Exact values that are never findings (published example keys, placeholders). */
  deny?: readonly string[];
  appliesTo?: {
    /** Roles whose text this rule reads; all roles when absent. */
    roles?: readonly Role[];
    /**
     * Header names (lower-case; a trailing `*` is a prefix). A rule with headers matches the
     * whole value of those headers (or `pattern` inside it) and never reads other text.
     */
    headers?: readonly string[];
    /**
     * JSON field names (the last key of an input's path, e.g. `prompt_cache_key`). Like header
     * rules, a field rule matches the whole value of those fields and reads no other text.
     */
    fields?: readonly string[];
  };
  samples: {
    tp: readonly PositiveSample[];
    fp: readonly string[];
    /** For header rules: the header name used by the samples. */
    header?: string;
    /** For field rules: the field name used by the samples. */
    field?: string;
  };
}

/** A rule ready to run: its regex compiled once, sticky, with match indices. */
export interface CompiledRule {
  index: number;
  def: RuleDef;
  id: string;
  category: Category;
  severity: Severity;
  kind: ValueKind;
  lookback: number;
  /** Sticky regex; with lookback > 0 it is prefixed by a lazy skip of up to `lookback` characters. */
  regex: RegExp | undefined;
  extendLeft: RegExp | undefined;
  extendMax: number;
  deny: ReadonlySet<string>;
  roles: ReadonlySet<Role> | undefined;
  headerNames: ReadonlySet<string>;
  headerPrefixes: readonly string[];
  fieldNames: ReadonlySet<string>;
}
