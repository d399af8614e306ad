/** The built-in rule set, in category order. */
import type { RuleDef } from '../rule-types.js';
import { environmentRules, isHostName } from './environment.js';
import { headerRules } from './header-fingerprint.js';
import { hiddenUnicodeRules } from './hidden-unicode.js';
import { piiRules } from './pii.js';
import { secretRules } from './secret.js';
import { trackingRules } from './tracking.js';

export { environmentRules, headerRules, hiddenUnicodeRules, piiRules, secretRules, trackingRules };

export const defaultRules: readonly RuleDef[] = [
  ...secretRules,
  ...environmentRules,
  ...piiRules,
  ...trackingRules,
  ...hiddenUnicodeRules,
  ...headerRules,
];

/** A rule for host names under the organisation's own domain suffixes (policy: corporate_suffixes). */
export function corporateSuffixRule(suffixes: readonly string[]): RuleDef | undefined {
  const clean = suffixes
    .map((s) => s.trim().replace(/^\.+/, '').toLowerCase())
    .filter((s) => /^[a-z0-9.-]+$/.test(s) && s.length >= 2);
  if (clean.length === 0) return undefined;
  const escaped = clean.map((s) => s.replace(/[.-]/g, (c) => '\\' + c)).join('|');
  return {
    id: 'env.corporate-hostname',
    category: 'environment',
    severity: 'high',
    kind: 'hostname',
    description: "A host name under one of the organisation's domain suffixes (policy corporate_suffixes).",
    keywords: clean.map((s) => '.' + s.replace(/\\/g, '\\\\').replace(/\[/g, '\\[')),
    pattern: String.raw`(?<=[A-Za-z0-9])\.(?:${escaped})(?![\w-]|\.\w)`,
    extendLeft: { chars: '[A-Za-z0-9.-]', max: 253 },
    validate: (v, ctx) => isHostName(v, ctx.text, ctx.start),
    flags: 'i',
    samples: { tp: [`build-7.${clean[0]}`], fp: [`${clean[0]}x`] },
  };
}
