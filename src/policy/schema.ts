/**
 * The policy file (YAML): what Airlock does with each finding, and with the headers that
 * fingerprint a client. The schema is the type (`Policy = z.output<typeof policySchema>`), every
 * object is strict (a misspelled key is an error with its line and column, never silently
 * ignored), and `schema/policy.schema.json` is generated from it for editors.
 *
 * Which action applies to a finding (first that says something wins; docs/policy.md):
 *   allow_values > rules (rule id, `*` globs) > kinds > roles (per category, then whole role)
 *   > built in: values not put back are kept in file contents (compile.ts) > categories.
 * A matching `scopes` entry (by provider and client user agent) is consulted before the base
 * policy at each of those levels. `default` comes last, and so is never reached: every category
 * has an entry in the built-in table a file extends. It is still accepted, so that files
 * written by `airlock policy init` before it was dropped keep loading; `policy check` warns.
 */
import { z } from 'zod';
import { ROLES } from '../dialects/types.js';
import { CATEGORIES, VALUE_KINDS } from '../detect/types.js';
import { USER_RULE_KINDS, userRuleSchema, UserRuleError } from '../detect/user-rules.js';
import { egressPolicySchema } from '../egress/policy.js';
import { isRestorable } from '../redact/generate.js';
import { customRuleDef } from './engine.js';
import { BUILT_IN_RULE_IDS, closestRuleId, namesSomeRule } from './rule-ids.js';

export const ACTIONS = ['allow', 'audit', 'pseudonymize', 'redact', 'strip', 'block'] as const;
export const actionSchema = z
  .enum(ACTIONS)
  .describe(
    'allow: send unchanged, not recorded; audit: send unchanged, recorded; pseudonymize: replace with a restorable surrogate; ' +
      'redact: replace with a same-shape surrogate restored only into tool calls (if allowed); strip: remove; block: refuse the request',
  );
export type Action = z.output<typeof actionSchema>;

export { CATEGORIES, ROLES };
export const categorySchema = z.enum(CATEGORIES);

export const roleSchema = z.enum(ROLES);

export const PROVIDERS = ['anthropic', 'openai', 'gemini'] as const;

/** Every ValueKind, so that a misspelled `kinds:` key is an error. */
export const KINDS = VALUE_KINDS;
export const kindSchema = z.enum(KINDS);

const categoryActions = z.partialRecord(categorySchema, actionSchema);

/**
 * What becomes of a request whose body goes to an endpoint Airlock does not inspect
 * (`/v1/moderations`, an unknown Gemini action): `allow` sends it as it came, listed in its audit
 * event's `uninspected`; `block` refuses it (AIRLOCK_UNINSPECTED_BLOCKED). Bodies that carry no
 * text by design (empty, `{}`, an upload's `/complete`: src/dialects/textless.ts) always go.
 */
export const uninspectedEndpointsSchema = z
  .enum(['allow', 'block'])
  .describe(
    'A request body sent to an endpoint Airlock does not inspect: allow: forward it, listed as uninspected in the audit log; ' +
      "block: refuse it (403). Bodies without text by design (empty, {}, an upload's /complete) are always forwarded",
  );

/** What a level of the policy says: the same shape at the top level and inside a scope. */
const actionTableShape = {
  /** Per detection rule id; `*` matches any characters (`env.*`). */
  rules: z.record(z.string().min(1), actionSchema).optional(),
  /** Per kind of value (`private-key`, `home-path`, ...), whatever rule found it. */
  kinds: z.partialRecord(kindSchema, actionSchema).optional(),
  /** Per place in the request: one action for the role, or one per category there. */
  roles: z.partialRecord(roleSchema, z.union([actionSchema, categoryActions])).optional(),
  categories: categoryActions.optional(),
};

const scopeSchema = z
  .object({
    match: z
      .object({
        provider: z.array(z.enum(PROVIDERS)).min(1).optional(),
        /** Client user agent: `*` globs, case-insensitive, e.g. `claude-cli/*`. */
        client: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict(),
    ...actionTableShape,
    /** Overrides the top level's `uninspected_endpoints` for the requests the scope matches. */
    uninspected_endpoints: uninspectedEndpointsSchema.optional(),
    /** Has no effect (see the top of this file); `policy check` warns. */
    default: actionSchema.optional().meta({ deprecated: true }),
  })
  .strict();

/**
 * The kinds a custom rule may give its values: those the detection engine takes for a user rule
 * whose surrogates are put back in answers. `text` is not one: its surrogate is empty, so a
 * pseudonymized value would be deleted from the request and never restored.
 */
export const CUSTOM_RULE_KINDS = USER_RULE_KINDS.filter(isRestorable);

/**
 * A custom rule: the fields the detection engine validates for a user rule (src/detect/user-rules.ts,
 * the one definition of an id, a pattern, keywords...), in the policy file's shape.
 */
const customRuleShape = z
  .object({
    id: userRuleSchema.shape.id,
    description: userRuleSchema.shape.description,
    category: categorySchema,
    severity: userRuleSchema.shape.severity,
    /** The kind of value, so its surrogate has the right shape (`token`, `hostname`, ...). */
    kind: z
      .enum(CUSTOM_RULE_KINDS, {
        error: (issue) =>
          issue.input === 'text'
            ? `text has no surrogate (a pseudonymized value would be deleted and never restored); use one of ${CUSTOM_RULE_KINDS.join(', ')}`
            : `not a kind custom rules can have; one of ${CUSTOM_RULE_KINDS.join(', ')}`,
      })
      .default('token'),
    /** RE2 syntax (linear time: no backreferences or lookarounds); a named group `v` is the reported value. */
    pattern: userRuleSchema.shape.pattern,
    /**
     * Words that must occur for the pattern to run (a prefilter): case-insensitive literals,
     * `\\d` a digit, `\\h` a hex digit, `[...]` a class. A match must start at a keyword.
     */
    keywords: userRuleSchema.shape.keywords,
    flags: userRuleSchema.shape.flags,
    /** Only text in these roles is scanned; all roles when absent. */
    roles: userRuleSchema.shape.roles,
    /** Texts the rule must find (tp) and must not find (fp); checked by `airlock policy check`. */
    samples: z
      .object({ tp: z.array(z.string()).default([]), fp: z.array(z.string()).default([]) })
      .strict()
      .default({ tp: [], fp: [] }),
  })
  .strict();

function checkCustomRule(rule: CustomRule, ctx: z.RefinementCtx): void {
  if (BUILT_IN_RULE_IDS.has(rule.id))
    ctx.addIssue({
      code: 'custom',
      path: ['id'],
      message: `${rule.id} is a built-in rule; choose another id (to change what the built-in rule does, use rules)`,
    });
  // Compiled here as the engine will run it (RE2, the keyword prefilter), so that what it
  // refuses is reported with the line of the key it concerns, beside every other problem.
  try {
    customRuleDef(rule);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      path: err instanceof UserRuleError ? [...err.key] : [],
      message: (err as Error).message,
    });
  }
}

const customRuleSchema = customRuleShape.check(
  // Only a rule whose fields are valid is compiled: a wrong field is reported once, by its schema.
  z.superRefine(checkCustomRule, { when: (payload) => payload.issues.length === 0 }),
);

/** Ids name rules in `rules:` entries and findings: two custom rules cannot share one. */
const customRulesSchema = z.array(customRuleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.id))
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `another custom rule has the id ${rule.id}` });
    seen.add(rule.id);
  });
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every `rules:` key (at the top and in scopes) must name a built-in or custom rule: an entry for
 * an id no finding carries would never apply. Runs even when other parts of the file are invalid,
 * so that every problem is listed at once; it therefore reads the value as unknown.
 */
function checkRuleKeys(policy: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(policy)) return;
  const customIds = Array.isArray(policy.custom_rules)
    ? policy.custom_rules.flatMap((r) => (isRecord(r) && typeof r.id === 'string' ? [r.id] : []))
    : [];
  const scopes = Array.isArray(policy.scopes) ? policy.scopes : [];
  const tables: [(string | number)[], unknown][] = [
    [[], policy],
    ...scopes.map((scope, i): [(string | number)[], unknown] => [['scopes', i], scope]),
  ];
  for (const [at, table] of tables) {
    if (!isRecord(table) || !isRecord(table.rules)) continue;
    for (const key of Object.keys(table.rules)) {
      if (namesSomeRule(key, customIds)) continue;
      const near = key.includes('*') ? undefined : closestRuleId(key, customIds);
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'rules', key],
        message: key.includes('*')
          ? 'matches no built-in or custom rule'
          : `no built-in or custom rule has this id${near === undefined ? '' : ` (did you mean ${near}?)`}`,
      });
    }
  }
}

const headersSchema = z
  .object({
    /** Headers removed before forwarding; `*` matches any characters. */
    drop: z.array(z.string().min(1)).default(['x-stainless-*']),
    /** `reduce`: keep product/version tokens, drop OS and runtime details; `keep`: unchanged. */
    user_agent: z.enum(['keep', 'reduce']).default('reduce'),
  })
  .strict();

export const policySchema = z
  .object({
    version: z.literal(1).default(1),
    /** `monitor` records what enforce would do and changes nothing. */
    mode: z.enum(['enforce', 'monitor']).default('enforce'),
    /** When inspection fails (a bug, a timeout, the vault is down): block or forward unchanged. */
    on_error: z.enum(['block', 'allow']).default('block'),
    /** A body sent to an endpoint no dialect reads: forward it (listed as uninspected) or refuse it. */
    uninspected_endpoints: uninspectedEndpointsSchema.default('allow'),
    /** Has no effect (see the top of this file); `policy check` warns. */
    default: actionSchema.default('audit').meta({ deprecated: true }),
    ...actionTableShape,
    scopes: z.array(scopeSchema).default([]),
    /** Values that are never findings: exact strings, or `*` globs. */
    allow_values: z.array(z.string().min(1)).default([]),
    /** Your organization's domain suffixes: host names under them are findings. */
    corporate_domains: z
      .array(z.string().regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i, 'a domain such as acme.corp'))
      .default([]),
    custom_rules: customRulesSchema.default([]),
    headers: headersSchema.default({ drop: ['x-stainless-*'], user_agent: 'reduce' }),
    /** Put redacted secrets back into tool-call arguments, so the model can write a config file it never saw. */
    restore_secrets_in_tool_calls: z.boolean().default(true),
    /** Where surrogate mappings live: memory, sqlite (in the data dir) or a redis:// URL shared by gateways. */
    vault: z
      .string()
      .regex(/^(memory|sqlite|rediss?:\/\/.+)$/, 'memory, sqlite or a redis:// URL')
      .default('memory'),
    /** Where the audit log lives: sqlite (in the data dir) or a postgres:// URL. */
    audit: z
      .string()
      .regex(/^(sqlite|postgres(ql)?:\/\/.+)$/, 'sqlite or a postgres:// URL')
      .default('sqlite'),
    /** Destinations the egress proxy lets through or refuses (see docs/egress.md). */
    egress: egressPolicySchema.default({ allow: [], deny: [], profile: 'default' }),
  })
  .strict()
  .check(z.superRefine(checkRuleKeys, { when: () => true }));

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type Scope = z.output<typeof scopeSchema>;
export type CustomRule = z.output<typeof customRuleShape>;
