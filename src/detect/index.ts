/**
 * The detection engine's public surface: what the gateway, the scanner and the policy layer use.
 *
 *   const engine = createEngine({ rules: [...defaultRules, ...compileUserRules(policy.rules)],
 *                                 canaries: learnCanaries(), corporateSuffixes: policy.corporate_suffixes });
 *   const tracker = createPersistentIdDetector({ tracker: new MemoryIdTracker(), key });
 *   const findings = mergeFindings(engine.scan(inputs), await tracker.scan(inputs));
 */
export type { Category, Finding, ScanInput, Severity, ValueKind } from './types.js';
export { SEVERITIES } from './types.js';
export type { CompiledRule, MatchContext, PositiveSample, RuleDef, Validator } from './rule-types.js';
export { createEngine, type Engine, type EngineOptions } from './engine.js';
export { RuleCompileError } from './compile.js';
export { mergeFindings, resolveOverlaps } from './overlaps.js';
export {
  corporateSuffixRule,
  defaultRules,
  environmentRules,
  headerRules,
  hiddenUnicodeRules,
  piiRules,
  secretRules,
  trackingRules,
} from './rules/index.js';
export { maskValue, visible } from './mask.js';
export {
  canariesFromFacts,
  learnCanaries,
  readMachineFacts,
  type Canary,
  type CanaryLabel,
  type MachineFacts,
} from './canaries.js';
export {
  compileUserRule,
  compileUserRules,
  UserRuleError,
  userRuleSchema,
  type UserRule,
} from './user-rules.js';
export {
  createPersistentIdDetector,
  DEFAULT_TRACKED_ROLES,
  MemoryIdTracker,
  placeOf,
  type IdTracker,
  type PersistentIdDetector,
  type PersistentIdOptions,
} from './tracking.js';
export { RedisIdTracker, type RedisIdTrackerOptions } from './tracking-redis.js';
