/**
 * The detection engine. One pass of a multi-pattern DFA over each text finds every rule keyword
 * and every canary encoding at once; only rules whose keywords occur run their (sticky, anchored)
 * regex, and only at those places. Cost grows with the text and the number of hits, not with the
 * number of rules. Findings are spans into the caller's text; nothing here copies or logs a value.
 */
import { BoundedMemo } from '../bounded-memo.js';
import { encodeCanary, type Canary } from './canary-encodings.js';
import { appliesToHeader, compileRule, RuleCompileError, VALUE_GROUPS } from './compile.js';
import { buildDfa, HitBuffer, literalSets, parseKeyword, type DfaPattern } from './literal-dfa.js';
import { resolveOverlaps, type RankedFinding } from './overlaps.js';
import { runAt } from './runs.js';
import { TextCache } from './text-cache.js';
import type { CompiledRule, RuleDef } from './rule-types.js';
import { corporateSuffixRule, defaultRules } from './rules/index.js';
import type { Finding, ScanInput, ValueKind } from './types.js';
import { bounds, isWordChar } from '../word-char.js';

export interface EngineOptions {
  /** The rules to run; defaults to the built-in set. Pass [...defaultRules, ...userRules] to add. */
  rules?: readonly RuleDef[];
  /** Values learned from this machine (see learnCanaries). */
  canaries?: readonly Canary[];
  /** Domain suffixes of the organisation (policy): host names under them are findings. */
  corporateSuffixes?: readonly string[];
  /**
   * Test switch: with false every position is a candidate for every rule, which must give the
   * same findings as the prefilter (the property test checks it). Never use in production.
   */
  prefilter?: boolean;
  /**
   * Texts whose findings are remembered (default 1024, 0 turns it off). A text's own findings
   * depend on the text and its context alone; conversations resend most of theirs every turn.
   */
  cacheEntries?: number;
  /** Characters of text the findings cache keeps alive at most (default 8,000,000). */
  cacheChars?: number;
}

export interface Engine {
  scan(inputs: readonly ScanInput[]): Finding[];
  readonly rules: readonly CompiledRule[];
  readonly canaries: readonly Canary[];
  /** Number of keyword and canary patterns in the prefilter automaton, and the states it has built so far. */
  readonly stats: { readonly patterns: number; readonly states: number };
}

/** Headers that carry the credential the provider itself needs: the policy decides on them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie']);

/** Kinds whose values, once found in context, are looked for everywhere else in the request. */
const PROPAGATED_KINDS = new Set<ValueKind>([
  'project-path',
  'hostname',
  'username',
  'person-name',
  'machine-id',
  'password',
  'token',
  'aws-secret-key',
  'aws-account-id',
]);

const NO_GROUPS: Readonly<Record<string, string | undefined>> = Object.freeze({});

/** What a rule found in one input: built in one place, so every finding has the same shape. */
function ruleFinding(
  rule: CompiledRule,
  input: ScanInput,
  inputIndex: number,
  start: number,
  end: number,
  kind: ValueKind = rule.kind,
): RankedFinding {
  return {
    ruleId: rule.id,
    category: rule.category,
    severity: rule.severity,
    kind,
    input: inputIndex,
    path: input.path,
    role: input.role,
    start,
    end,
    order: rule.index,
  };
}

export function createEngine(opts: EngineOptions = {}): Engine {
  const defs = [...(opts.rules ?? defaultRules)];
  const corporate = corporateSuffixRule(opts.corporateSuffixes ?? []);
  if (corporate) defs.push(corporate);
  const ids = new Set<string>();
  for (const d of defs) {
    if (ids.has(d.id)) throw new RuleCompileError(d.id, 'duplicate rule id');
    ids.add(d.id);
  }
  const rules = defs.map((d, i) => compileRule(d, i));
  const textRules = rules.filter(
    (r) => r.headerNames.size === 0 && r.headerPrefixes.length === 0 && r.fieldNames.size === 0,
  );
  const headerRules = rules.filter((r) => r.headerNames.size > 0 || r.headerPrefixes.length > 0);
  const fieldRules = rules.filter((r) => r.fieldNames.size > 0);
  const canaries = [...(opts.canaries ?? [])];
  // Header rules test their optional pattern anywhere in the value: a plain, non-sticky copy.
  const headerTests = new Map(
    [...headerRules, ...fieldRules]
      .filter((r) => r.regex)
      .map((r) => [r, new RegExp(r.regex!.source, r.regex!.flags.replace(/[yd]/g, ''))]),
  );
  const prefilter = opts.prefilter ?? true;

  // Prefilter patterns: keywords (owner = rule index) and canary encodings (owner = ~pattern).
  const patterns: DfaPattern[] = [];
  const owners: number[][] = [];
  const keyIndex = new Map<string, number>();
  const addPattern = (key: string, sets: DfaPattern['sets'], owner: number): void => {
    let p = keyIndex.get(key);
    if (p === undefined) {
      p = patterns.length;
      keyIndex.set(key, p);
      patterns.push({ sets });
      owners.push([]);
    }
    if (!owners[p]!.includes(owner)) owners[p]!.push(owner);
  };
  for (const rule of textRules) {
    for (const kw of rule.def.keywords) {
      try {
        addPattern('k:' + kw.toLowerCase(), parseKeyword(kw), rule.index);
      } catch (err) {
        throw new RuleCompileError(rule.id, (err as Error).message);
      }
    }
  }
  const canaryPatterns = canaries.flatMap((c, i) => encodeCanary(c, i));
  canaryPatterns.forEach((cp, k) => addPattern(`c:${k}`, literalSets(cp.text, cp.caseInsensitive), ~k));
  const dfa = buildDfa(patterns);

  const hits = new HitBuffer();
  const candidates: number[][] = rules.map(() => []);
  const allPositions: number[] = [];
  /** Rules with candidates in the text being scanned (reused: scans never nest). */
  const touched: number[] = [];

  function accept(
    rule: CompiledRule,
    input: ScanInput,
    inputIndex: number,
    start: number,
    end: number,
    matchStart: number,
    matchEnd: number,
    groups: Readonly<Record<string, string | undefined>>,
    out: RankedFinding[],
  ): void {
    const text = input.text;
    const value = text.slice(start, end);
    if (end <= start || rule.deny.has(value)) return;
    const { validate, kindOf } = rule.def;
    if (validate === undefined && kindOf === undefined) {
      out.push(ruleFinding(rule, input, inputIndex, start, end));
      return;
    }
    const ctx = { text, start, end, matchStart, matchEnd, groups };
    if (validate && !validate(value, ctx)) return;
    out.push(ruleFinding(rule, input, inputIndex, start, end, kindOf?.(value, ctx) ?? rule.kind));
  }

  /**
   * User rules: a linear-time matcher that scans forward from the first keyword hit. Each search
   * starts past the previous match and the loop stops at the first miss, so the whole rule costs
   * one pass over the text at most, whatever the number of hits.
   */
  function confirmLinear(
    rule: CompiledRule,
    cands: number[],
    input: ScanInput,
    inputIndex: number,
    out: RankedFinding[],
  ): void {
    const match = rule.def.linearMatch!;
    let cursor = 0;
    for (const c of cands) {
      if (c < cursor) continue;
      const m = match(input.text, Math.max(cursor, c - rule.lookback));
      if (m === null) return;
      accept(rule, input, inputIndex, m.valueStart, m.valueEnd, m.start, m.end, NO_GROUPS, out);
      cursor = Math.max(m.end, m.start + 1);
    }
  }

  function confirm(
    rule: CompiledRule,
    cands: number[],
    input: ScanInput,
    inputIndex: number,
    out: RankedFinding[],
  ): void {
    if (rule.def.linearMatch) return confirmLinear(rule, cands, input, inputIndex, out);
    const re = rule.regex!;
    const text = input.text;
    const L = rule.lookback;
    let cursor = 0;
    let lastCand = -1;
    for (const c of cands) {
      if (c === lastCand || c < cursor) continue;
      lastCand = c;
      let from = Math.max(cursor, c - L);
      while (from <= c) {
        re.lastIndex = from;
        const m = re.exec(text);
        if (m === null) break;
        const indices = m.indices;
        let matchStart: number;
        let matchEnd: number;
        if (indices === undefined) {
          matchStart = m.index;
          matchEnd = matchStart + m[0].length;
        } else {
          const whole = L > 0 ? indices.groups!['_m']! : indices[0]!;
          matchStart = whole[0];
          matchEnd = whole[1];
        }
        let start = matchStart;
        let end = matchEnd;
        const spans = indices?.groups;
        if (spans) {
          for (const g of VALUE_GROUPS) {
            const span = spans[g];
            if (span) {
              start = span[0];
              end = span[1];
              break;
            }
          }
        }
        if (rule.extendLeft) {
          const limit = Math.max(0, start - rule.extendMax);
          while (start > limit && rule.extendLeft.test(text[start - 1]!)) start--;
        }
        // The match's own groups object (no copy): validators only read it.
        accept(rule, input, inputIndex, start, end, matchStart, matchEnd, m.groups ?? NO_GROUPS, out);
        // A match is consumed whether or not its validator accepts it (as a global regex scan
        // followed by a filter would), so a rejected value is never re-reported in pieces.
        cursor = Math.max(matchEnd, matchStart + 1);
        from = cursor;
      }
    }
  }

  function scanHeader(input: ScanInput, inputIndex: number, out: RankedFinding[]): void {
    const name = (input.header ?? '').toLowerCase();
    for (const rule of headerRules) {
      if (!appliesToHeader(rule, name) || input.text.trim().length === 0) continue;
      const test = headerTests.get(rule);
      if (test && !test.test(input.text)) continue;
      out.push(ruleFinding(rule, input, inputIndex, 0, input.text.length));
    }
  }

  function scanField(input: ScanInput, inputIndex: number, out: RankedFinding[]): void {
    let name: string | undefined;
    for (let k = input.path.length - 1; k >= 0 && name === undefined; k--)
      if (typeof input.path[k] === 'string') name = input.path[k] as string;
    if (name === undefined) return;
    const text = input.text;
    for (const rule of fieldRules) {
      if (!rule.fieldNames.has(name) || text.trim().length === 0) continue;
      if (rule.roles && !rule.roles.has(input.role)) continue;
      const test = headerTests.get(rule);
      if (test && !test.test(text)) continue;
      accept(rule, input, inputIndex, 0, text.length, 0, text.length, {}, out);
    }
  }

  /**
   * A value one rule found from its context (a project path after "working directory:") is the
   * same value where it appears without that context, e.g. as the start of a file path in a
   * later tool call. Where another finding starts (the home directory, a canary) and the text
   * continues with a known value, report the whole value there too. Anchoring on findings keeps
   * this free: no extra pass over the text.
   */
  function propagate(inputs: readonly ScanInput[], found: RankedFinding[]): void {
    const values = new Map<string, RankedFinding>();
    for (const f of found) {
      if (!PROPAGATED_KINDS.has(f.kind) || f.end - f.start < 6 || f.order < 0) continue;
      const value = inputs[f.input]!.text.slice(f.start, f.end);
      if (!values.has(value)) values.set(value, f);
    }
    if (values.size === 0) return;
    const known = [...values];
    const anchors = found.length;
    for (let k = 0; k < anchors; k++) {
      const a = found[k]!;
      const text = inputs[a.input]!.text;
      for (const [value, f] of known) {
        if (a.start === f.start && a.input === f.input) continue;
        const end = a.start + value.length;
        if (end <= a.end || !text.startsWith(value, a.start)) continue;
        if (
          isWordChar(value.charCodeAt(value.length - 1)) &&
          end < text.length &&
          isWordChar(text.charCodeAt(end))
        )
          continue;
        found.push({ ...f, input: a.input, path: a.path, role: a.role, start: a.start, end });
      }
    }
  }

  function scanText(input: ScanInput, inputIndex: number, out: RankedFinding[]): void {
    const text = input.text;
    hits.reset();
    dfa.scan(text, hits);
    touched.length = 0;
    const data = hits.data;
    for (let k = 0; k < hits.length; k += 2) {
      const p = data[k]!;
      const start = data[k + 1]!;
      for (const owner of owners[p]!) {
        if (owner >= 0) {
          if (!prefilter) continue;
          const list = candidates[owner]!;
          if (list.length === 0) touched.push(owner);
          list.push(start);
        } else {
          const cp = canaryPatterns[~owner]!;
          const end = start + cp.text.length;
          if (!cp.caseInsensitive && !text.startsWith(cp.text, start)) continue;
          if (cp.boundaryLeft && start > 0 && !bounds(text.charCodeAt(start - 1), cp.joins)) continue;
          if (cp.boundaryRight && end < text.length && !bounds(text.charCodeAt(end), cp.joins)) continue;
          const canary = canaries[cp.canary]!;
          out.push({
            ruleId: `canary.${canary.label}`,
            category: canary.category,
            severity: canary.severity,
            kind: canary.kind,
            input: inputIndex,
            path: input.path,
            role: input.role,
            start,
            end,
            order: -1,
          });
        }
      }
    }
    if (!prefilter) {
      if (allPositions.length < text.length)
        for (let i = allPositions.length; i < text.length; i++) allPositions.push(i);
      const positions = allPositions.slice(0, text.length);
      for (const rule of textRules)
        if (!rule.roles || rule.roles.has(input.role)) confirm(rule, positions, input, inputIndex, out);
      return;
    }
    // Rule order (a handful of rules per text): insertion sort, no comparator calls.
    for (let i = 1; i < touched.length; i++) {
      const r = touched[i]!;
      let j = i - 1;
      for (; j >= 0 && touched[j]! > r; j--) touched[j + 1] = touched[j]!;
      touched[j + 1] = r;
    }
    for (const r of touched) {
      const list = candidates[r]!;
      const rule = rules[r]!;
      if (!rule.roles || rule.roles.has(input.role)) {
        // Hits arrive in order of their end; keywords of different lengths can swap starts.
        for (let i = 1; i < list.length; i++) {
          if (list[i]! < list[i - 1]!) {
            list.sort((a, b) => a - b);
            break;
          }
        }
        confirm(rule, list, input, inputIndex, out);
      }
      list.length = 0;
    }
  }

  function scanInput(input: ScanInput, i: number, found: RankedFinding[]): void {
    if (input.role === 'header') {
      const name = (input.header ?? '').toLowerCase();
      scanHeader(input, i, found);
      if (CREDENTIAL_HEADERS.has(name)) return;
    } else if (fieldRules.length > 0) scanField(input, i, found);
    scanText(input, i, found);
  }

  /** Everything besides the text that scanInput reads: role, header name, field name. */
  function contextOf(input: ScanInput): string {
    let field = '';
    if (input.role !== 'header' && fieldRules.length > 0) {
      for (let k = input.path.length - 1; k >= 0; k--) {
        const part = input.path[k];
        if (typeof part === 'string') {
          field = part;
          break;
        }
      }
    }
    return `${input.role}\u0000${input.header ?? ''}\u0000${field}`;
  }

  // Per text: the findings of each context it was scanned in (input index and path are the
  // caller's, set on the way out). Short texts cost less to scan than to look up and keep.
  const cache = new TextCache<{ context: string; findings: readonly RankedFinding[] }[]>(
    prefilter ? (opts.cacheEntries ?? 4096) : 0,
    opts.cacheChars ?? 8_000_000,
  );
  const CACHED_MIN_LENGTH = 64;
  const CONTEXTS_PER_TEXT = 8;

  const caching = prefilter && (opts.cacheEntries ?? 4096) > 0;

  // Short texts (names, enum values, short descriptions: most of a request's texts) by context,
  // then text: a hashed lookup, cheaper than the scan's own setup. Bounded; emptied when full.
  const SHORT_CONTEXTS = 256;
  const SHORT_TEXTS_PER_CONTEXT = 8192;
  const shortCache = new BoundedMemo<string, Map<string, readonly RankedFinding[]>>(SHORT_CONTEXTS);

  function scanShort(input: ScanInput, i: number, found: RankedFinding[]): void {
    const context = contextOf(input);
    let texts = shortCache.get(context);
    if (texts === undefined) {
      shortCache.set(context, (texts = new BoundedMemo(SHORT_TEXTS_PER_CONTEXT)));
    }
    let findings = texts.get(input.text);
    if (findings === undefined) {
      const own: RankedFinding[] = [];
      scanInput(input, i, own);
      findings = own;
      texts.set(input.text, findings);
    }
    for (const f of findings) found.push({ ...f, input: i, path: input.path });
  }

  // Frozen inputs (segments of a value the body parser remembered, shared by requests: see
  // src/dialects/parse-json.ts) never change: their findings are kept by the input itself.
  const byInput = new WeakMap<ScanInput, readonly RankedFinding[]>();

  function scanCached(input: ScanInput, i: number, found: RankedFinding[]): void {
    if (!caching) return scanInput(input, i, found);
    if (Object.isFrozen(input) && Object.isFrozen(input.path)) {
      let own = byInput.get(input);
      if (own === undefined) {
        const fresh: RankedFinding[] = [];
        scanByText(input, i, fresh);
        byInput.set(input, (own = fresh));
      }
      for (const f of own) found.push({ ...f, input: i });
      return;
    }
    scanByText(input, i, found);
  }

  // A run of frozen inputs (src/detect/runs.ts): the findings of all its inputs, by index in
  // the run, kept by the run itself, so a request goes over its findings, not its inputs.
  const byRun = new WeakMap<readonly ScanInput[], readonly RankedFinding[]>();

  function scanRun(run: readonly ScanInput[], at: number, found: RankedFinding[]): void {
    let own = byRun.get(run);
    if (own === undefined) {
      const fresh: RankedFinding[] = [];
      run.forEach((input, k) => scanCached(input, k, fresh));
      byRun.set(run, (own = fresh));
    }
    for (const f of own) found.push({ ...f, input: at + f.input });
  }

  function scanByText(input: ScanInput, i: number, found: RankedFinding[]): void {
    if (input.text.length < CACHED_MIN_LENGTH) return scanShort(input, i, found);
    const context = contextOf(input);
    let entries = cache.get(input.text);
    let findings = entries?.find((e) => e.context === context)?.findings;
    if (findings === undefined) {
      const own: RankedFinding[] = [];
      scanInput(input, i, own);
      findings = own; // kept as scanned: every use below copies
      if (entries === undefined) cache.set(input.text, (entries = []));
      if (entries.length >= CONTEXTS_PER_TEXT) entries.shift(); // one text under many header names
      entries.push({ context, findings });
    }
    for (const f of findings) found.push({ ...f, input: i, path: input.path });
  }

  return {
    rules,
    canaries,
    stats: {
      patterns: patterns.length,
      get states() {
        return dfa.stateCount;
      },
    },
    scan(inputs: readonly ScanInput[]): Finding[] {
      const found: RankedFinding[] = [];
      for (let i = 0; i < inputs.length;) {
        const run = caching ? runAt(inputs, i) : undefined;
        if (run !== undefined) {
          scanRun(run, i, found);
          i += run.length;
        } else {
          scanCached(inputs[i] as ScanInput, i, found);
          i++;
        }
      }
      propagate(inputs, found);
      return resolveOverlaps(found);
    },
  };
}
