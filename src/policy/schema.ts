/**
 * The policy file (YAML): what Airlock does with each finding, and with the headers that
 * fingerprint a client. The schema is the type (`Policy = z.output<typeof policySchema>`), every
 * object is strict (a misspelled key is an error with its line and column, never silently
 * ignored), and `schema/policy.schema.json` is generated from it for editors.
 *
 * Which action applies to a finding (first that says something wins; docs/policy.md):
 *   allow_values > rules (rule id, `*` globs) > kinds > roles (per category, then whole role)
 *   > categories > default.
 * A matching `scopes` entry (by provider and client user agent) is consulted before the base
 * policy at each of those levels.
 */
import { z } from 'zod';
import { ROLES } from '../dialects/types.js';
import { CATEGORIES, VALUE_KINDS } from '../detect/types.js';
import { egressPolicySchema } from '../egress/policy.js';

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
    default: actionSchema.optional(),
  })
  .strict();

const customRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
    description: z.string().optional(),
    category: categorySchema,
    severity: z.enum(['low', 'medium', 'high', 'critical']).default('high'),
    /** The kind of value, so its surrogate has the right shape (`token`, `hostname`, ...). */
    kind: kindSchema.default('token'),
    /** RE2 syntax (linear time: no backreferences or lookarounds); a named group `v` is the reported value. */
    pattern: z.string().min(1),
    /**
     * Words that must occur for the pattern to run (a prefilter): case-insensitive literals,
     * `\\d` a digit, `\\h` a hex digit, `[...]` a class. A match must start at a keyword.
     */
    keywords: z.array(z.string().min(1)).min(1),
    flags: z
      .string()
      .regex(/^[iu]*$/, 'only the flags i and u')
      .optional(),
    /** Only text in these roles is scanned; all roles when absent. */
    roles: z.array(roleSchema).min(1).optional(),
    /** Texts the rule must find (tp) and must not find (fp); checked by `airlock policy check`. */
    samples: z
      .object({ tp: z.array(z.string()).default([]), fp: z.array(z.string()).default([]) })
      .strict()
      .default({ tp: [], fp: [] }),
  })
  .strict()
  .superRefine((rule, ctx) => {
    try {
      new RegExp(rule.pattern, rule.flags);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `not a valid regular expression: ${(err as Error).message}`,
      });
    }
  });

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
    default: actionSchema.default('audit'),
    ...actionTableShape,
    scopes: z.array(scopeSchema).default([]),
    /** Values that are never findings: exact strings, or `*` globs. */
    allow_values: z.array(z.string().min(1)).default([]),
    /** Your organization's domain suffixes: host names under them are findings. */
    corporate_domains: z
      .array(z.string().regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i, 'a domain such as acme.corp'))
      .default([]),
    custom_rules: z.array(customRuleSchema).default([]),
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
  .strict();

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type Scope = z.output<typeof scopeSchema>;
export type CustomRule = z.output<typeof customRuleSchema>;
