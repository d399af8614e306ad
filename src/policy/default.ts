/**
 * The built-in policy, as the commented YAML that `airlock policy init` writes. The gateway
 * parses this same text when no policy file is configured, so the file and the behavior
 * cannot drift apart.
 */
import type { Action } from './schema.js';

/**
 * The action tables every policy starts from: a file's `categories`, `kinds` and `rules` add
 * to these or replace single entries, so `mode: monitor` alone means "the default, monitored"
 * and `categories: { pii: audit }` keeps secrets redacted. test/policy checks that the YAML
 * below says the same.
 */
export const BASE_ACTIONS: {
  categories: Readonly<Record<string, Action>>;
  kinds: Readonly<Record<string, Action>>;
  rules: Readonly<Record<string, Action>>;
} = {
  categories: {
    environment: 'pseudonymize',
    pii: 'pseudonymize',
    secret: 'redact',
    tracking: 'pseudonymize',
    'hidden-unicode': 'strip',
    'header-fingerprint': 'pseudonymize',
  },
  kinds: { 'private-key': 'block' },
  rules: { 'header.client-version': 'audit', 'header.proxy-authorization': 'strip' },
};

/** The source a policy without a file names (in block messages, on the dashboard). */
export const BUILT_IN_POLICY_SOURCE = '(built-in default policy)';

export const DEFAULT_POLICY_YAML = `# Airlock policy: what leaves this machine in requests to model providers.
# Reference: docs/policy.md. Check a change with: airlock policy check <this file>
# The gateway reloads this file when it changes; an invalid version is refused and the
# previous policy stays in force.

version: 1

# enforce: apply the actions below. monitor: only record what enforce would do.
mode: enforce

# When a request cannot be inspected (a bug, the vault is unreachable): block or allow.
on_error: block

# A request body sent to an endpoint Airlock does not inspect (moderations, image generation,
# a Gemini action it does not know; docs/policy.md lists the ones it inspects): allow forwards
# it unread and lists it as uninspected in the audit log; block refuses it (403). Bodies with no
# text by design (empty, {}, an upload's /complete) are forwarded either way.
uninspected_endpoints: allow

# categories, kinds and rules below extend the built-in tables (the values shown here): an
# entry you write replaces the built-in one for that key; the others stay.
#
# Actions: allow (send, do not record), audit (send, record), pseudonymize (replace with a
# realistic stand-in that is put back in the answer), redact (replace with a same-shape
# stand-in restored only into tool calls), strip (remove), block (refuse the request).
#
# Which action applies to a finding, first match wins:
#   allow_values > rules > kinds > roles > categories
# and at each level a matching entry of "scopes" comes before the base policy. Between roles
# and categories, built in: values replaced but never put back (time zone, locale, versions)
# are only recorded in tool_result, tool_use and assistant, where they are file contents.

categories:
  # Home and project paths, user and host names, addresses, time zone, OS and runtime versions.
  environment: pseudonymize
  # Names, e-mail addresses, phone numbers, card numbers.
  pii: pseudonymize
  # API keys, tokens, passwords: the model sees a key of the same shape, never the real one.
  secret: redact
  # Device, session and account ids: replaced by ids that are stable for this installation.
  tracking: pseudonymize
  # Zero-width and bidi characters, tag characters (hidden instructions or watermarks).
  hidden-unicode: strip
  # OS, architecture and runtime details in headers: replaced by generic values.
  header-fingerprint: pseudonymize

kinds:
  # A private key has no business in a prompt: refuse the request and say where it was.
  private-key: block

# Per detection rule id ("*" matches anything), e.g. env.timezone-iana: allow
rules:
  # Client versions (user-agent, x-goog-api-client) are needed by providers; the OS and
  # runtime details in those headers are removed by headers.user_agent below.
  header.client-version: audit
  # Proxy credentials are for the proxy, never for the provider: the header is removed.
  header.proxy-authorization: strip

# Per place in the request (system, user, assistant, tool_result, tool_use,
# tool_definition, metadata, header, credential, tool_server): one action, or one per
# category. E.g.:
#   tool_definition: { environment: audit }
# credential is a secret given to the provider to keep for an agent's tools (a managed agents
# vault credential, an MCP server's token): recorded and sent as given, since a stand-in would be
# used instead; a category that blocks still blocks. credential: block refuses such requests.
# tool_server is an address the provider or an agent's sandbox calls as written (an MCP server's
# URL, a repository it clones, a host it may reach, a webhook): recorded and sent as given, since
# a stand-in host is one it could not reach. tool_server: { environment: block } refuses
# requests that point the provider at an internal host.
roles: {}

# Different actions for some providers or clients (user agent, "*" globs), e.g.:
#   - match: { provider: [gemini], client: ["my-internal-tool/*"] }
#     categories: { pii: block }
#     uninspected_endpoints: allow
scopes: []

# Values that are never findings: exact strings or "*" globs.
allow_values: []

# Your organization's domain suffixes: host names under them are treated as internal.
corporate_domains: []

# Your own detection rules, e.g.:
#   - id: acme.ticket
#     category: pii
#     kind: opaque-id
#     pattern: 'ACME-\\d{6}'
#     keywords: [ACME-]
custom_rules: []

headers:
  # Removed before forwarding: the Stainless SDK headers carry OS, architecture and runtime.
  drop: ["x-stainless-*"]
  # reduce: keep the client's product and version, drop OS and runtime details.
  user_agent: reduce

# Put redacted secrets back into tool-call arguments, so the model can write a config file
# with the real key without ever seeing it. Never into text shown to the user.
restore_secrets_in_tool_calls: true

# Surrogate mappings: memory (this process), sqlite (in the data dir), or redis://host:6379
# shared by several gateways (they must also share the data dir's surrogate.key).
vault: memory

# Audit log: sqlite (in the data dir) or postgres://user@host/db.
audit: sqlite

# Destinations the egress proxy lets through (docs/egress.md). Model APIs go through the
# gateway; telemetry and error-report hosts are refused unless listed under allow.
egress:
  allow: []
  deny: []
  profile: default
`;
