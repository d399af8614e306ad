/**
 * The detection engine a policy needs: the built-in rules, the policy's custom rules and its
 * corporate domains, and the canaries learned from this machine. Built once per policy version
 * (custom rules compile at load, never per request).
 */
import type { Canary } from '../detect/canary-encodings.js';
import { createEngine, type Engine } from '../detect/engine.js';
import type { RuleDef } from '../detect/rule-types.js';
import { defaultRules } from '../detect/rules/index.js';
import { compileUserRule } from '../detect/user-rules.js';
import type { CompiledPolicy } from './compile.js';
import type { CustomRule } from './schema.js';

/**
 * A policy's custom rule as an engine rule. Compiled by the detection engine's user-rule
 * compiler: the pattern runs on RE2 (linear time), so no policy file can make a request scan
 * backtrack catastrophically; backreferences and lookarounds are refused with the reason.
 */
export function customRuleDef(rule: CustomRule): RuleDef {
  return compileUserRule({
    id: rule.id,
    description: rule.description ?? `custom rule ${rule.id} (policy)`,
    category: rule.category,
    severity: rule.severity,
    kind: rule.kind,
    keywords: rule.keywords,
    pattern: rule.pattern,
    ...(rule.flags === undefined ? {} : { flags: rule.flags }),
    ...(rule.roles === undefined ? {} : { roles: rule.roles }),
    // Samples are checked by checkCustomRuleSamples, which names each one's place in the file.
  });
}

export interface PolicyEngineOptions {
  canaries?: readonly Canary[];
}

/** Throws (RuleCompileError) when a custom rule does not compile or reuses a built-in id. */
export function engineForPolicy(policy: CompiledPolicy, options: PolicyEngineOptions = {}): Engine {
  return createEngine({
    rules: [...defaultRules, ...policy.policy.custom_rules.map(customRuleDef)],
    corporateSuffixes: policy.policy.corporate_domains,
    ...(options.canaries === undefined ? {} : { canaries: options.canaries }),
  });
}

/** Problems with the custom rules' own samples, in the words `airlock policy check` prints. */
export function checkCustomRuleSamples(policy: CompiledPolicy, engine: Engine): string[] {
  const problems: string[] = [];
  policy.policy.custom_rules.forEach((rule, i) => {
    const found = (text: string): boolean =>
      engine
        .scan([{ path: ['sample'], role: rule.roles?.[0] ?? 'user', text }])
        .some((f) => f.ruleId === rule.id);
    rule.samples.tp.forEach((text, j) => {
      if (!found(text))
        problems.push(
          `custom_rules.${i}.samples.tp.${j}: rule ${rule.id} does not find anything in "${text}"`,
        );
    });
    rule.samples.fp.forEach((text, j) => {
      if (found(text))
        problems.push(`custom_rules.${i}.samples.fp.${j}: rule ${rule.id} finds something in "${text}"`);
    });
  });
  return problems;
}
