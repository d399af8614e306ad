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

/**
 * Throws (RuleCompileError) when a custom rule does not compile or reuses a built-in id; a policy
 * that passed its schema has been checked for both already, with the line of each problem.
 */
export function engineForPolicy(policy: CompiledPolicy, options: PolicyEngineOptions = {}): Engine {
  return createEngine({
    rules: [...defaultRules, ...policy.policy.custom_rules.map(customRuleDef)],
    corporateSuffixes: policy.policy.corporate_domains,
    ...(options.canaries === undefined ? {} : { canaries: options.canaries }),
  });
}

/** A custom rule's sample that does not behave as the file says. */
export interface SampleProblem {
  /** Where the sample is: `['custom_rules', 0, 'samples', 'tp', 1]`. */
  key: (string | number)[];
  message: string;
}

/** Problems with the custom rules' own samples, scanned as a request would be. */
export function checkCustomRuleSamples(policy: CompiledPolicy, engine: Engine): SampleProblem[] {
  const problems: SampleProblem[] = [];
  policy.policy.custom_rules.forEach((rule, i) => {
    const found = (text: string): boolean =>
      engine
        .scan([{ path: ['sample'], role: rule.roles?.[0] ?? 'user', text }])
        .some((f) => f.ruleId === rule.id);
    rule.samples.tp.forEach((text, j) => {
      if (!found(text))
        problems.push({
          key: ['custom_rules', i, 'samples', 'tp', j],
          message: `rule ${rule.id} does not find anything in "${text}"`,
        });
    });
    rule.samples.fp.forEach((text, j) => {
      if (found(text))
        problems.push({
          key: ['custom_rules', i, 'samples', 'fp', j],
          message: `rule ${rule.id} finds something in "${text}"`,
        });
    });
  });
  return problems;
}
