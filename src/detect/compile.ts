/**
 * Turns a RuleDef into a CompiledRule: the regex is built once here, sticky (`y`) so a
 * prefilter hit costs one anchored attempt, and with match indices (`d`) so the value span
 * comes straight from the engine without copying text.
 */
import type { CompiledRule, RuleDef } from './rule-types.js';

/** Named groups that hold the reported value, first one that took part wins. */
export const VALUE_GROUPS = ['v', 'w', 'x', 'y'] as const;

export class RuleCompileError extends Error {
  constructor(
    readonly ruleId: string,
    readonly problem: string,
  ) {
    super(`rule ${JSON.stringify(ruleId)}: ${problem}`);
    this.name = 'RuleCompileError';
  }
}

export function compileRule(def: RuleDef, index: number): CompiledRule {
  const lookback = def.lookback ?? 0;
  if (!Number.isInteger(lookback) || lookback < 0 || lookback > 1000)
    throw new RuleCompileError(def.id, 'lookback must be an integer in 0..1000');
  const flags = def.flags ?? '';
  if (!/^[iu]*$/.test(flags))
    throw new RuleCompileError(def.id, `flags may only contain i and u (got ${JSON.stringify(flags)})`);
  const headers = def.appliesTo?.headers ?? [];
  const fields = def.appliesTo?.fields ?? [];
  if (headers.length === 0 && fields.length === 0 && def.keywords.length === 0)
    throw new RuleCompileError(def.id, 'a text rule needs at least one prefilter keyword');
  if (
    headers.length === 0 &&
    fields.length === 0 &&
    def.pattern === undefined &&
    def.linearMatch === undefined
  )
    throw new RuleCompileError(def.id, 'a text rule needs a pattern');
  let regex: RegExp | undefined;
  if (def.pattern !== undefined) {
    // The lazy prefix lets one sticky attempt try every start up to `lookback` before the hit.
    const source = lookback > 0 ? `[^]{0,${lookback}}?(?<_m>${def.pattern})` : def.pattern;
    // Match indices (`d`) cost an allocation per match: only rules that report a group need them.
    const needsIndices = lookback > 0 || /\(\?<[vwxy]>/.test(def.pattern);
    try {
      regex = new RegExp(source, `${flags}y${needsIndices ? 'd' : ''}`);
    } catch (err) {
      throw new RuleCompileError(def.id, `invalid pattern: ${(err as Error).message}`);
    }
  }
  let extendLeft: RegExp | undefined;
  if (def.extendLeft) {
    try {
      extendLeft = new RegExp(`^${def.extendLeft.chars}$`, flags.includes('u') ? 'u' : '');
    } catch (err) {
      throw new RuleCompileError(def.id, `invalid extendLeft: ${(err as Error).message}`);
    }
  }
  const exact = headers.filter((h) => !h.endsWith('*')).map((h) => h.toLowerCase());
  const prefixes = headers.filter((h) => h.endsWith('*')).map((h) => h.slice(0, -1).toLowerCase());
  return {
    index,
    def,
    id: def.id,
    category: def.category,
    severity: def.severity,
    kind: def.kind,
    lookback,
    regex,
    extendLeft,
    extendMax: def.extendLeft?.max ?? 0,
    deny: new Set(def.deny ?? []),
    roles: def.appliesTo?.roles ? new Set(def.appliesTo.roles) : undefined,
    headerNames: new Set(exact),
    headerPrefixes: prefixes,
    fieldNames: new Set(fields),
  };
}

export function appliesToHeader(rule: CompiledRule, name: string): boolean {
  if (rule.headerNames.has(name)) return true;
  return rule.headerPrefixes.some((p) => name.startsWith(p));
}
