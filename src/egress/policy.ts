/**
 * The egress policy: which destinations the forward proxy lets through. Validated once (zod),
 * compiled once into `decide(host, port)`; the policy helper embeds `egressPolicySchema` as the
 * `egress:` section of the YAML policy.
 *
 * How a destination is decided (docs/egress.md explains it with examples):
 * 1. Every rule that matches is a candidate: the user's `deny` and `allow` lists (patterns or
 *    `@group` names) and the built-in refusals (`@model-apis`, `@telemetry`).
 * 2. The most specific candidate wins: exact host > longer `*.suffix` > shorter > `*`; with the
 *    host equal, a rule with a port beats one without.
 * 3. Equal specificity: user deny > user allow > built-in. So `allow: [api.anthropic.com]`
 *    overrides the built-in refusal of that host, but `allow: ['*']` does not.
 * 4. Nothing matches: profile `default` allows (and audits), profile `strict` refuses.
 */
import { z } from 'zod';
import { BoundedMemo } from '../bounded-memo.js';
import {
  parseHostPattern,
  specificity,
  matches,
  type HostPattern,
  type Destination,
} from './host-pattern.js';
import { canonicalHost } from './ip.js';
import { DEFAULT_DENY_GROUPS, hostGroup, isHostGroup } from './telemetry-hosts.js';

const egressRuleSchema = z.string().superRefine((value, ctx) => {
  if (value.startsWith('@')) {
    if (!isHostGroup(value)) ctx.addIssue({ code: 'custom', message: `unknown host group ${value}` });
    return;
  }
  try {
    parseHostPattern(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const egressPolicySchema = z
  .object({
    /** Destinations let through even when a built-in group or the strict profile would refuse. */
    allow: z.array(egressRuleSchema).default([]),
    /** Destinations refused, on top of the built-in `@model-apis` and `@telemetry`. */
    deny: z.array(egressRuleSchema).default([]),
    /** `default` lets unlisted destinations through (audited); `strict` refuses them. */
    profile: z.enum(['default', 'strict']).default('default'),
  })
  .strict();

export type EgressPolicy = z.output<typeof egressPolicySchema>;
export type EgressPolicyInput = z.input<typeof egressPolicySchema>;

export interface EgressDecision {
  allow: boolean;
  /** Which rule decided, in words a 403 body and the audit log can show. */
  rule: string;
  /** Allowed by an `egress.allow` entry that names this host exactly (no wildcard, no group). */
  explicit?: true;
}

export interface CompiledEgressPolicy {
  /** `host` in any spelling: an IP address is compared in its canonical one (ip.ts). */
  decide(host: string, port: number): EgressDecision;
  readonly profile: EgressPolicy['profile'];
}

/** Higher wins at equal specificity. */
const SOURCE_RANK = { deny: 3, allow: 2, builtin: 1 } as const;
type RuleSource = keyof typeof SOURCE_RANK;

interface CompiledRule {
  pattern: HostPattern;
  allow: boolean;
  source: RuleSource;
  rank: number;
  rule: string;
  /** Named by the user host by host, not through an `@group`. */
  listed: boolean;
}

function expand(entries: readonly string[], source: RuleSource): CompiledRule[] {
  const out: CompiledRule[] = [];
  entries.forEach((entry, index) => {
    const label = source === 'builtin' ? `built-in ${entry}` : `egress.${source}[${index}] "${entry}"`;
    const patterns = entry.startsWith('@') ? hostGroup(entry).map((e) => e.pattern) : [entry];
    for (const p of patterns) {
      const pattern = parseHostPattern(p);
      const rule = entry.startsWith('@') ? `${label} (${p})` : label;
      const rank = specificity(pattern) * 4 + SOURCE_RANK[source];
      out.push({ pattern, allow: source === 'allow', source, rank, rule, listed: !entry.startsWith('@') });
    }
  });
  return out;
}

const CACHE_LIMIT = 4096;

/** Validates (throws a ZodError listing every problem) and compiles the policy. */
export function compileEgressPolicy(input: EgressPolicyInput = {}): CompiledEgressPolicy {
  const policy = egressPolicySchema.parse(input);
  const rules = [
    ...expand(policy.deny, 'deny'),
    ...expand(policy.allow, 'allow'),
    ...expand(DEFAULT_DENY_GROUPS, 'builtin'),
  ];
  // Index: exact hosts by host, `*.x` by `.x` (looked up per dot-suffix of the host), the rest scanned.
  const exact = new Map<string, CompiledRule[]>();
  const dotSuffix = new Map<string, CompiledRule[]>();
  const scanned: CompiledRule[] = [];
  for (const r of rules) {
    const { kind, host } = r.pattern;
    const bucket =
      kind === 'exact' ? exact : kind === 'suffix' && host.startsWith('.') ? dotSuffix : undefined;
    if (bucket === undefined) {
      scanned.push(r);
      continue;
    }
    const list = bucket.get(host) ?? [];
    list.push(r);
    bucket.set(host, list);
  }
  const fallback: EgressDecision =
    policy.profile === 'strict'
      ? { allow: false, rule: 'profile strict: not on egress.allow' }
      : { allow: true, rule: 'profile default: not listed, allowed' };
  const cache = new BoundedMemo<string, EgressDecision>(CACHE_LIMIT);

  function evaluate(dest: Destination): EgressDecision {
    let best: CompiledRule | undefined;
    const consider = (list: readonly CompiledRule[] | undefined): void => {
      if (list === undefined) return;
      for (const r of list)
        if (matches(r.pattern, dest) && (best === undefined || r.rank > best.rank)) best = r;
    };
    consider(exact.get(dest.host));
    for (let dot = dest.host.indexOf('.'); dot > 0; dot = dest.host.indexOf('.', dot + 1)) {
      consider(dotSuffix.get(dest.host.slice(dot)));
    }
    consider(scanned);
    if (best === undefined) return fallback;
    return best.source === 'allow' && best.listed && best.pattern.kind === 'exact'
      ? { allow: true, rule: best.rule, explicit: true }
      : { allow: best.allow, rule: best.rule };
  }

  return {
    profile: policy.profile,
    decide(host: string, port: number): EgressDecision {
      const key = `${host}\0${port}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      // Rules hold IP addresses in their one spelling (ip.ts): so must the host they are matched with.
      const decision = evaluate({ host: canonicalHost(host), port });
      cache.set(key, decision);
      return decision;
    },
  };
}
