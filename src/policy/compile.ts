/**
 * Compiles a validated policy once into lookup tables, so deciding a finding costs a few Map
 * lookups. Precedence, first level that says something wins (docs/policy.md):
 *
 *   rules (exact id, then `*` globs in file order) > kinds > roles (role + category, then the
 *   role's single action) > built in: values not put back are kept in file contents (see
 *   keptInContent) > categories (an edit of a credential or a tool server's address recorded
 *   instead, see GIVEN_AS_CREDENTIAL) > default
 *
 * At each level the scopes matching the request (provider, client user agent), in file order,
 * are consulted before the base policy; a scope's `default` sits just above the base default.
 * (No finding gets as far as `default`: the built-in categories table, under the file's, has an
 * entry for every category. `policy check` warns about a `default` key.)
 * Every decision says which entry made it (`because`), in the words of the policy file, so a
 * block message can say what to change.
 */
import { BoundedMemo } from '../bounded-memo.js';
import type { Category, Finding, ValueKind } from '../detect/types.js';
import type { Role } from '../dialects/types.js';
import type { Provider } from '../errors.js';
import { deepFreeze } from '../config/yaml-zod.js';
import { isRestorable } from '../redact/generate.js';
import { BASE_ACTIONS } from './default.js';
import { globToRegExp } from './glob.js';
import { reduceUserAgent } from './user-agent.js';
import type { Action, Policy, Scope } from './schema.js';

export interface Decision {
  action: Action;
  /** The policy entry that decided, e.g. `categories.secret` or `scopes[0].rules."env.*"`. */
  because: string;
}

export type DecisionInput = Pick<Finding, 'ruleId' | 'kind' | 'category' | 'role'>;

/** What becomes of a body sent to an endpoint no dialect reads (`uninspected_endpoints`). */
export interface UninspectedDecision {
  action: 'allow' | 'block';
  /** The entry that decided: `uninspected_endpoints` or `scopes[1].uninspected_endpoints`. */
  because: string;
}

export interface RequestDecider {
  decide(finding: DecisionInput): Decision;
  /** The first matching scope that sets `uninspected_endpoints` decides, else the top level. */
  readonly uninspectedEndpoints: UninspectedDecision;
}

export interface CompiledPolicy {
  readonly policy: Policy;
  /** The file it came from, or a description of the built-in default. */
  readonly source: string;
  /** Canonical JSON of the policy: equal fingerprints, equal behavior. */
  readonly fingerprint: string;
  /**
   * The YAML it was parsed from, when it came from text: what the dashboard shows as the policy
   * in force (the file on disk may already hold a newer version, refused or not yet read).
   */
  readonly text?: string;
  forRequest(provider: Provider, userAgent: string | undefined): RequestDecider;
  isAllowedValue(value: string): boolean;
  dropsHeader(name: string): boolean;
  /** The user agent to send upstream (unchanged unless `headers.user_agent: reduce`). */
  userAgent(value: string): string;
}

interface Table {
  label: string;
  rulesExact: Map<string, Action>;
  rulesGlob: { re: RegExp; key: string; action: Action }[];
  kinds: Map<string, Action>;
  roleCategory: Map<string, Action>;
  role: Map<string, Action>;
  categories: Map<string, Action>;
  default: Action | undefined;
  uninspectedEndpoints: UninspectedDecision['action'] | undefined;
}

type Tableish = Pick<Scope, 'rules' | 'kinds' | 'roles' | 'categories' | 'uninspected_endpoints'> & {
  default?: Action | undefined;
};

function compileTable(t: Tableish, label: string): Table {
  const table: Table = {
    label,
    rulesExact: new Map(),
    rulesGlob: [],
    kinds: new Map(Object.entries(t.kinds ?? {}) as [string, Action][]),
    roleCategory: new Map(),
    role: new Map(),
    categories: new Map(Object.entries(t.categories ?? {}) as [string, Action][]),
    default: t.default,
    uninspectedEndpoints: t.uninspected_endpoints,
  };
  for (const [key, action] of Object.entries(t.rules ?? {})) {
    if (key.includes('*')) table.rulesGlob.push({ re: globToRegExp(key), key, action });
    else table.rulesExact.set(key, action);
  }
  for (const [role, value] of Object.entries(t.roles ?? {})) {
    if (typeof value === 'string') table.role.set(role, value);
    else
      for (const [category, action] of Object.entries(value))
        table.roleCategory.set(`${role}\0${category}`, action);
  }
  return table;
}

const prefix = (label: string): string => (label === '' ? '' : `${label}.`);

/** The first table (scopes first, base last) that has something to say at each level. */
function decideWith(tables: readonly Table[], f: DecisionInput): Decision {
  for (const t of tables) {
    const exact = t.rulesExact.get(f.ruleId);
    if (exact !== undefined) return { action: exact, because: `${prefix(t.label)}rules."${f.ruleId}"` };
    for (const g of t.rulesGlob)
      if (g.re.test(f.ruleId)) return { action: g.action, because: `${prefix(t.label)}rules."${g.key}"` };
  }
  const levels: [(t: Table) => Action | undefined, (t: Table) => string][] = [
    [(t) => t.kinds.get(f.kind), (t) => `${prefix(t.label)}kinds.${f.kind}`],
    [
      (t) => t.roleCategory.get(`${f.role}\0${f.category}`),
      (t) => `${prefix(t.label)}roles.${f.role}.${f.category}`,
    ],
    [(t) => t.role.get(f.role), (t) => `${prefix(t.label)}roles.${f.role}`],
  ];
  for (const [get, name] of levels) {
    for (const t of tables) {
      const action = get(t);
      if (action !== undefined) return { action, because: name(t) };
    }
  }
  if (keptInContent(f)) return { action: 'audit', because: KEPT_IN_CONTENT };
  for (const t of tables) {
    const action = t.categories.get(f.category);
    if (action === undefined) continue;
    const given = EDITS.has(action) ? GIVEN.get(f.role) : undefined;
    if (given !== undefined) return { action: 'audit', because: given };
    return { action, because: `${prefix(t.label)}categories.${f.category}` };
  }
  for (const t of tables)
    if (t.default !== undefined) return { action: t.default, because: `${prefix(t.label)}default` };
  return { action: 'audit', because: 'default' };
}

/**
 * Roles that carry what files hold and what the assistant wrote: a file's text read by a tool,
 * tool-call inputs (the Write and Edit calls that change files) and earlier answers.
 */
const CONTENT_ROLES: ReadonlySet<Role> = new Set<Role>(['tool_result', 'tool_use', 'assistant']);

export const KEPT_IN_CONTENT = 'built-in: kept in file contents (set roles or kinds to change)';

/**
 * A value that is replaced but never put back (a time zone by `UTC`, a locale by `en_US`, a
 * runtime version by its major, a dumped variable by nothing) describes the machine in a system
 * prompt or a header; inside a file it is the file's content, and the model that saw the stand-in
 * would write it back: a Dockerfile's `TZ=Europe/Berlin` would come back as `TZ=UTC`. Where
 * files are carried such values are recorded and sent as they are, unless a rule, kind or role
 * entry of the policy says otherwise; the category's action still applies everywhere else.
 */
function keptInContent(f: DecisionInput): boolean {
  return CONTENT_ROLES.has(f.role) && !isRestorable(f.kind) && f.kind !== 'hidden-unicode';
}

/**
 * Why a category's edit does not apply to a credential (role `credential`: a vault's secret, a
 * repository's token) and the finding is recorded instead: the user sends it for the provider to
 * keep and hand to the agent's tools, never to the model, so the categories' reason for a stand-in
 * (the model sees a key of the same shape) does not hold, and a stand-in would be stored in its
 * place, making the credential fail where it is used, long after and far from here. A category
 * that blocks still blocks, and rules, kinds and roles entries (roles.credential) decide as
 * anywhere: a team that wants no secret kept upstream says `roles: { credential: block }`.
 */
export const GIVEN_AS_CREDENTIAL =
  "built-in: a credential the provider keeps for the agent's tools, sent as given (set roles.credential to change)";

/**
 * Why a category's edit does not apply to the address of a tool server the provider calls (role
 * `tool_server`: an MCP server's URL, or another address the provider or an agent's sandbox
 * calls: a repository it clones, a host it may reach, a webhook): the provider connects to it as
 * written, so a stand-in host or path makes the request succeed and every call of that server's
 * tools fail (the clone, the call to the host, the notification), upstream, where nobody sees
 * why. The finding is recorded; `roles: { tool_server: block }` refuses such requests
 * (or `{ tool_server: { environment: block } }` only those naming an internal host).
 */
export const GIVEN_TO_TOOL_SERVER =
  "built-in: an address the provider or an agent's sandbox calls as written (a tool server, a repository, an allowed host, a webhook), sent as given (set roles.tool_server to change)";

/** The built-in reason each role of GIVEN_ROLES is sent as given. */
const GIVEN: ReadonlyMap<Role, string> = new Map<Role, string>([
  ['credential', GIVEN_AS_CREDENTIAL],
  ['tool_server', GIVEN_TO_TOOL_SERVER],
]);

const EDITS: ReadonlySet<Action> = new Set<Action>(['pseudonymize', 'redact', 'strip']);

const CACHE_LIMIT = 1024;

/** The policy with the built-in action tables under its own entries. */
export function withBaseActions(policy: Policy): Policy {
  return {
    ...policy,
    categories: { ...BASE_ACTIONS.categories, ...policy.categories },
    kinds: { ...BASE_ACTIONS.kinds, ...policy.kinds },
    rules: { ...BASE_ACTIONS.rules, ...policy.rules },
  };
}

export function compilePolicy(file: Policy, source: string, text?: string): CompiledPolicy {
  const policy = deepFreeze(withBaseActions(file));
  const base = compileTable(policy, '');
  const scopes = policy.scopes.map((s, i) => ({
    table: compileTable(s, `scopes[${i}]`),
    providers: s.match.provider === undefined ? undefined : new Set<string>(s.match.provider),
    clients: s.match.client?.map((c) => globToRegExp(c, 'i')),
  }));
  const exactValues = new Set(policy.allow_values.filter((v) => !v.includes('*')));
  const globValues = policy.allow_values.filter((v) => v.includes('*')).map((v) => globToRegExp(v));
  const drops = policy.headers.drop.map((h) => globToRegExp(h.toLowerCase(), 'i'));
  const deciders = new BoundedMemo<string, RequestDecider>(CACHE_LIMIT);

  function makeDecider(tables: Table[]): RequestDecider {
    const cache = new Map<string, Decision>();
    // The base table always has one (the schema's default), and comes last.
    const says = tables.find((t) => t.uninspectedEndpoints !== undefined) ?? base;
    return {
      uninspectedEndpoints: {
        action: says.uninspectedEndpoints ?? policy.uninspected_endpoints,
        because: `${prefix(says.label)}uninspected_endpoints`,
      },
      decide(f) {
        const key = `${f.ruleId}\0${f.kind}\0${f.category}\0${f.role}`;
        let d = cache.get(key);
        if (d === undefined) {
          d = decideWith(tables, f);
          if (cache.size < CACHE_LIMIT) cache.set(key, d);
        }
        return d;
      },
    };
  }

  return Object.freeze({
    policy,
    source,
    fingerprint: JSON.stringify(policy),
    ...(text === undefined ? {} : { text }),
    forRequest(provider: Provider, userAgent: string | undefined): RequestDecider {
      const key = `${provider}\0${userAgent ?? ''}`;
      let decider = deciders.get(key);
      if (decider === undefined) {
        const ua = userAgent ?? '';
        const matching = scopes.filter(
          (s) =>
            (s.providers === undefined || s.providers.has(provider)) &&
            (s.clients === undefined || s.clients.some((re) => re.test(ua))),
        );
        decider = makeDecider([...matching.map((s) => s.table), base]);
        deciders.set(key, decider);
      }
      return decider;
    },
    isAllowedValue: (value: string) => exactValues.has(value) || globValues.some((re) => re.test(value)),
    dropsHeader: (name: string) => drops.some((re) => re.test(name)),
    userAgent: (value: string) => (policy.headers.user_agent === 'reduce' ? reduceUserAgent(value) : value),
  });
}

export type { Action, Category, Role, ValueKind };
