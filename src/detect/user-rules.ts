/**
 * Rules users add in the policy file. A user pattern must never stall the gateway, so it runs on
 * RE2JS, a linear-time engine (a port of RE2: no backtracking, so no catastrophic patterns like
 * `(a+)+$`); constructs that need backtracking (backreferences, lookarounds) are refused at load
 * with an error naming the rule.
 * A rule may carry samples; they are checked when the rule is compiled.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import { createEngine } from './engine.js';
import { parseKeyword } from './literal-dfa.js';
import type { RuleDef } from './rule-types.js';
import { ROLES } from '../dialects/types.js';
import { CATEGORIES, SEVERITIES, type ValueKind } from './types.js';

/**
 * The kinds of value a user rule may report: the ones whose surrogate shape the redactor knows
 * for a value of any form. The policy file's custom rules take these too (src/policy/schema.ts).
 */
export const USER_RULE_KINDS = [
  'text',
  'token',
  'password',
  'hostname',
  'username',
  'person-name',
  'email',
  'url',
  'path',
  'home-path',
  'project-path',
  'ipv4',
  'ipv6',
  'mac',
  'uuid',
  'machine-id',
  'opaque-id',
  'org',
  'cloud-project',
  'phone',
  'card-number',
  'iban',
] as const satisfies readonly ValueKind[];

/** A user rule's id: short, lower-case, so that a policy's `rules:` entry can name it. */
export const USER_RULE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const userRuleSchema = z
  .object({
    id: z.string().regex(USER_RULE_ID, 'lower-case letters, digits, ".", "_" and "-", at most 64 characters'),
    description: z.string().min(1).max(500).optional(),
    category: z.enum(CATEGORIES).default('secret'),
    severity: z.enum(SEVERITIES).default('high'),
    kind: z.enum(USER_RULE_KINDS).default('token'),
    /**
     * Prefilter keywords, at least one of which starts every match (within `lookback`): the
     * built-in rules' mini-language, i.e. case-insensitive literals, `\d` a digit, `\h` a hex
     * digit, `[...]` a set (exact case); `\` escapes.
     */
    keywords: z.array(z.string().min(1).max(64)).min(1).max(32),
    /** RE2 syntax (https://github.com/google/re2/wiki/Syntax); named group `v` is the value. */
    pattern: z.string().min(1).max(2000),
    /** `i` for case-insensitive (`u` is accepted and changes nothing: RE2 reads Unicode). */
    flags: z
      .string()
      .regex(/^[iu]*$/, 'only the flags i and u')
      .optional(),
    case_insensitive: z.boolean().default(false),
    /** Characters from the start of a match to its keyword, at most. */
    lookback: z.number().int().min(0).max(256).default(0),
    roles: z.array(z.enum(ROLES)).min(1).optional(),
    /** Values that are never findings. */
    allow: z.array(z.string()).max(1000).optional(),
    samples: z
      .object({ tp: z.array(z.string()).default([]), fp: z.array(z.string()).default([]) })
      .strict()
      .optional(),
  })
  .strict();

export type UserRule = z.input<typeof userRuleSchema>;

export class UserRuleError extends Error {
  /**
   * @param key where in the rule the problem is (`['pattern']`, `['keywords', 2]`), so that a
   * policy file can point at its line; absent when it is the rule as a whole
   */
  constructor(
    readonly ruleId: string,
    readonly problem: string,
    readonly key: readonly (string | number)[] = [],
  ) {
    super(`user rule ${JSON.stringify(ruleId)}: ${problem}`);
    this.name = 'UserRuleError';
  }
}

/** Why RE2 refused a pattern, in words a policy author can act on. */
function explain(message: string): string {
  if (/invalid escape sequence: `\\\d/.test(message))
    return `backreferences are not supported: they need backtracking, which can take exponential time (${message})`;
  if (/\(\?[=!<][=!]?/.test(message) || /Perl syntax: `\(\?</.test(message))
    return `lookahead and lookbehind are not supported: they need backtracking; match the context outside the value group \`v\` instead (${message})`;
  return message;
}

function checkSamples(rule: RuleDef): void {
  // Building an engine with the rule alone also validates its keywords.
  const engine = createEngine({ rules: [rule] });
  const found = (text: string): boolean =>
    engine.scan([{ path: [], role: rule.appliesTo?.roles?.[0] ?? 'user', text }]).length > 0;
  rule.samples.tp.forEach((s, i) => {
    if (!found(typeof s === 'string' ? s : s[0]))
      throw new UserRuleError(rule.id, `true-positive sample not found: ${JSON.stringify(s)}`, [
        'samples',
        'tp',
        i,
      ]);
  });
  rule.samples.fp.forEach((s, i) => {
    if (found(s))
      throw new UserRuleError(rule.id, `false-positive sample matched: ${JSON.stringify(s)}`, [
        'samples',
        'fp',
        i,
      ]);
  });
}

/** Validates a user rule (from the policy file) and turns it into a RuleDef for createEngine. */
export function compileUserRule(input: unknown): RuleDef {
  const id =
    typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string'
      ? (input as { id: string }).id
      : '(no id)';
  const parsed = userRuleSchema.safeParse(input);
  if (!parsed.success)
    throw new UserRuleError(
      id,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`).join('; '),
      parsed.error.issues[0]?.path.filter((k): k is string | number => typeof k !== 'symbol'),
    );
  const def = parsed.data;
  // Each keyword on its own first, so that a bad one is named by its place in the rule.
  def.keywords.forEach((keyword, i) => {
    try {
      parseKeyword(keyword);
    } catch (err) {
      throw new UserRuleError(def.id, (err as Error).message, ['keywords', i]);
    }
  });
  let re: RE2JS;
  try {
    re = RE2JS.compile(
      def.pattern,
      def.case_insensitive || (def.flags ?? '').includes('i') ? RE2JS.CASE_INSENSITIVE : 0,
    );
  } catch (err) {
    throw new UserRuleError(def.id, `pattern refused: ${explain((err as Error).message)}`, ['pattern']);
  }
  const hasValue = Object.hasOwn(re.namedGroups(), 'v');
  let lastText: string | undefined;
  let matcher: ReturnType<RE2JS['matcher']> | undefined;
  const rule: RuleDef = {
    id: def.id,
    category: def.category,
    severity: def.severity,
    kind: def.kind,
    description: def.description ?? `custom rule ${def.id} (policy)`,
    keywords: def.keywords,
    lookback: def.lookback,
    deny: def.allow ?? [],
    linearMatch(text, from) {
      // One matcher per text, reused for every search in it.
      if (text !== lastText) {
        lastText = text;
        matcher = re.matcher(text);
      }
      const m = matcher!;
      if (!m.find(from)) return null;
      const vs = hasValue ? m.start('v') : -1;
      return {
        start: m.start(),
        end: m.end(),
        valueStart: vs >= 0 ? vs : m.start(),
        valueEnd: vs >= 0 ? m.end('v') : m.end(),
      };
    },
    samples: { tp: def.samples?.tp ?? [], fp: def.samples?.fp ?? [] },
    ...(def.roles ? { appliesTo: { roles: def.roles } } : {}),
  };
  try {
    checkSamples(rule);
  } catch (err) {
    // The engine reports keyword and shape problems as RuleCompileError: say it the same way.
    if (err instanceof UserRuleError) throw err;
    throw new UserRuleError(def.id, (err as Error).message.replace(/^rule "[^"]*": /, ''));
  }
  return rule;
}

/** Compiles every user rule, collecting all problems into one error (fail once, list everything). */
export function compileUserRules(inputs: readonly unknown[]): RuleDef[] {
  const problems: string[] = [];
  const out: RuleDef[] = [];
  for (const input of inputs) {
    try {
      out.push(compileUserRule(input));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0)
    throw new UserRuleError(
      problems.length === 1 ? '(policy)' : `(policy, ${problems.length} rules)`,
      problems.join('\n'),
    );
  return out;
}
