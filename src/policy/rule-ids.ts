/**
 * The rule ids a finding can carry, so that a policy's `rules:` entry that names none of them (a
 * typo such as `pii.e-mail`) is an error with its line, not an entry that silently never applies.
 */
import type { CanaryLabel } from '../detect/canary-encodings.js';
import { corporateSuffixRule, defaultRules } from '../detect/rules/index.js';
import { globToRegExp } from './glob.js';

/** Every label a canary learned from this machine can have (its findings are `canary.<label>`). */
const CANARY_LABELS: Readonly<Record<CanaryLabel, true>> = {
  hostname: true,
  username: true,
  home: true,
  'machine-id': true,
  mac: true,
  ip: true,
  'git-name': true,
  'git-email': true,
  proxy: true,
  timezone: true,
  'secret-env': true,
};

/** Found by the persistent-id detector (src/detect/tracking.ts), which is not a rule of the set. */
export const PERSISTENT_ID_RULE = 'tracking.persistent-id';

export const BUILT_IN_RULE_IDS: ReadonlySet<string> = new Set([
  ...defaultRules.map((rule) => rule.id),
  // The id of the rule `corporate_domains` adds, whatever the domains.
  corporateSuffixRule(['example.corp'])!.id,
  PERSISTENT_ID_RULE,
  ...Object.keys(CANARY_LABELS).map((label) => `canary.${label}`),
]);

/** Whether a `rules:` key (an id, or a `*` glob) names a built-in rule or one of `customIds`. */
export function namesSomeRule(key: string, customIds: readonly string[]): boolean {
  if (!key.includes('*')) return BUILT_IN_RULE_IDS.has(key) || customIds.includes(key);
  const glob = globToRegExp(key);
  return [...BUILT_IN_RULE_IDS, ...customIds].some((id) => glob.test(id));
}

/** Edit distance; `max + 1` at once when the lengths alone differ by more (runs only for a wrong key). */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The rule id closest to a key that names none, when one is close enough to be the one meant. */
export function closestRuleId(key: string, customIds: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const id of [...BUILT_IN_RULE_IDS, ...customIds]) {
    const d = distance(key, id, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [id, d];
  }
  return best;
}
