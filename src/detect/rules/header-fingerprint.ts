/**
 * Request headers that describe the machine or the client build, or carry a session id.
 * These rules match by header name (the whole value is the finding); the credential headers
 * the provider needs (authorization, x-api-key, x-goog-api-key) are left to the policy.
 */
import type { RuleDef } from '../rule-types.js';

export const headerRules: readonly RuleDef[] = [
  {
    id: 'header.stainless-os',
    category: 'header-fingerprint',
    severity: 'low',
    kind: 'os-version',
    description: 'The client operating system reported by a Stainless-generated SDK (x-stainless-os).',
    keywords: [],
    appliesTo: { headers: ['x-stainless-os'] },
    samples: { header: 'x-stainless-os', tp: ['Linux', 'MacOS'], fp: [''] },
  },
  {
    id: 'header.stainless-arch',
    category: 'header-fingerprint',
    severity: 'low',
    kind: 'arch',
    description: 'The client CPU architecture (x-stainless-arch).',
    keywords: [],
    appliesTo: { headers: ['x-stainless-arch'] },
    samples: { header: 'x-stainless-arch', tp: ['x64', 'arm64'], fp: [] },
  },
  {
    id: 'header.stainless-runtime',
    category: 'header-fingerprint',
    severity: 'low',
    kind: 'runtime-version',
    description:
      'The client runtime and its exact version, and the SDK version (x-stainless-runtime, -runtime-version, -package-version, -lang).',
    keywords: [],
    appliesTo: {
      headers: [
        'x-stainless-runtime',
        'x-stainless-runtime-version',
        'x-stainless-package-version',
        'x-stainless-lang',
      ],
    },
    samples: { header: 'x-stainless-runtime-version', tp: ['v20.18.1'], fp: [] },
  },
  {
    id: 'header.client-version',
    category: 'header-fingerprint',
    severity: 'low',
    kind: 'runtime-version',
    description:
      'A versioned client identification header (user-agent, x-goog-api-client, x-app, originator, version) when it carries a version number.',
    keywords: [],
    pattern: String.raw`\d+\.\d+`,
    appliesTo: {
      headers: [
        'user-agent',
        'x-goog-api-client',
        'x-app',
        'originator',
        'version',
        'x-client-version',
        'anthropic-client-version',
      ],
    },
    samples: { header: 'user-agent', tp: ['claude-cli/1.0.83 (external, cli)'], fp: ['curl', 'Mozilla'] },
  },
  {
    id: 'header.session-id',
    category: 'tracking',
    severity: 'medium',
    kind: 'opaque-id',
    description:
      'A client session, conversation or device id sent as a header (x-claude-code-session-id, session_id, x-device-id...).',
    keywords: [],
    appliesTo: {
      headers: [
        'x-claude-code-session-id',
        'thread-id',
        'x-codex-window-id',
        'x-codex-installation-id',
        'x-client-request-id',
        'session_id',
        'session-id',
        'x-session-id',
        'conversation_id',
        'conversation-id',
        'x-conversation-id',
        'x-device-id',
        'x-machine-id',
        'x-anonymous-id',
        'x-installation-id',
        'x-client-session-id',
        'x-stainless-session-id',
        // Gemini CLI's installation id (~/.gemini/installation_id), on every request.
        'x-gemini-api-privileged-user-id',
      ],
    },
    samples: { header: 'x-claude-code-session-id', tp: ['5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c'], fp: [''] },
  },
  {
    id: 'header.proxy-authorization',
    category: 'secret',
    severity: 'critical',
    kind: 'password',
    description: 'Proxy credentials (Proxy-Authorization) that would leave with the request.',
    keywords: [],
    appliesTo: { headers: ['proxy-authorization'] },
    samples: { header: 'proxy-authorization', tp: ['Basic amRvZTpTM2NyM3Q='], fp: [] },
  },
];
