/**
 * Words for findings: where a value sits (role and JSON path, never the value), and the message
 * a blocked request gets. The message is shown by the assistant verbatim, so it says what was
 * found, where, which policy entry decided, and what to change to allow it. A member name on the
 * path (or a header's name) that may itself be a value (a token, a home path) is written `[…]`,
 * as the audit log writes it (json-path-text.ts).
 */
import type { Finding, ScanInput } from '../detect/types.js';
import { GIVEN_ROLES, type Role } from '../dialects/types.js';
import { pathOnly } from '../dialects/walk.js';
import type { Provider } from '../errors.js';
import { jsonPathText, nameText } from '../json-path-text.js';
import type { Decision } from './compile.js';
import { BUILT_IN_POLICY_SOURCE } from './default.js';

const ROLE_WORDS: Readonly<Record<Role, string>> = {
  system: 'the system prompt',
  user: 'a user message',
  assistant: 'an assistant message',
  tool_result: 'a tool result',
  tool_use: 'a tool call',
  tool_definition: 'a tool definition',
  metadata: 'the request metadata',
  header: 'a request header',
  credential: "a credential kept by the provider for the agent's tools",
  tool_server:
    "an address the provider or an agent's sandbox calls (a tool server, a repository, an allowed host, a webhook)",
};

export function describePlace(input: Pick<ScanInput, 'role' | 'path' | 'header'>): string {
  if (input.role === 'header')
    return `the request header ${input.header === undefined ? '(unknown)' : nameText(input.header)}`;
  return `${ROLE_WORDS[input.role]} at ${jsonPathText(input.path) || '(body)'}`;
}

export interface BlockedFinding {
  finding: Finding;
  input: ScanInput;
  decision: Decision;
}

/**
 * `a` or `an` before a kind, as it is read aloud: `an email`, `an opaque-id`, `an npm-token` (read
 * letter by letter), but `a uuid`, `a url`, `a username` (read with a "you").
 */
function article(kind: string): string {
  return /^(?:[aeio]|npm)/.test(kind) ? 'an' : 'a';
}

/** Where to change the policy: its file, or, without one, how to get one. */
function whereToChange(policySource: string): string {
  return policySource === BUILT_IN_POLICY_SOURCE
    ? 'in a policy file (`airlock policy init` writes the default one; point `policy:` in airlock.yaml at it)'
    : `in ${policySource}`;
}

/**
 * The detail of AIRLOCK_UNINSPECTED_BLOCKED: the endpoint (the path without its query, which may
 * hold a key), that Airlock does not read its body, the entry that decided and how to allow it.
 */
export function uninspectedBlockMessage(
  req: { provider: Provider; method: string; path: string },
  because: string,
  policySource: string,
): string {
  return (
    `the body of ${req.method.toUpperCase()} /${req.provider}${pathOnly(req.path)} would leave uninspected: ` +
    `Airlock does not read what this endpoint is sent (docs/policy.md lists the endpoints it inspects), ` +
    `and policy entry ${because} says block. To allow it, use an endpoint Airlock inspects, or ` +
    `${whereToChange(policySource)} set ${because} to allow (a scopes entry can allow it for one ` +
    `provider or client only).`
  );
}

/** The detail of AIRLOCK_POLICY_BLOCKED: up to three findings, then a count of the rest. */
export function blockMessage(blocked: readonly BlockedFinding[], policySource: string): string {
  const shown = blocked.slice(0, 3).map(({ finding, input, decision }) => {
    const what = `${article(finding.kind)} ${finding.kind} value (rule ${finding.ruleId}, category ${finding.category})`;
    return `${what} in ${describePlace(input)}: policy entry ${decision.because} says block`;
  });
  const more = blocked.length > 3 ? `; and ${blocked.length - 3} more` : '';
  const entries = [...new Set(blocked.map((b) => b.decision.because))].join(', ');
  // Without a policy file there is nothing to edit yet: say how to get one.
  const where = whereToChange(policySource);
  // A stand-in in a credential or a tool server's address would break it where the provider uses
  // it (docs/policy.md): what lets such a value go, where the role's own entry blocked, is audit.
  // (Below a categories entry, redact already sends it as given; a kinds or rules entry applies
  // everywhere, where audit would let every such value go.)
  const instead = blocked.every(
    (b) => GIVEN_ROLES.has(b.input.role) && b.decision.because.includes(`roles.${b.input.role}`),
  )
    ? 'to audit, which sends it as given and records it'
    : 'to redact or pseudonymize';
  return (
    `${shown.join('; ')}${more}. ` +
    `To allow it, remove the value from the request, or ${where} change ${entries} ` +
    `(e.g. ${instead}) or add the exact value to allow_values.`
  );
}
