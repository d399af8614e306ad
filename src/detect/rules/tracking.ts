/**
 * Tracking identifiers a client attaches to its requests: device, installation, account and
 * session ids in request metadata (Anthropic `metadata.user_id`, telemetry payloads). Headers
 * that carry them are in header-fingerprint.ts; ids that only show themselves by recurring are
 * found by tracking.ts.
 */
import type { RuleDef } from '../rule-types.js';
import { looksRandom } from '../validators.js';

const r = String.raw;

const ID_VALUE = r`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9a-fA-F]{16,128}|[A-Za-z0-9_-]{20,128}`;

const ID_NAME_PREFIXES = [
  'device',
  'session',
  'account',
  'anonymous',
  'installation',
  'install',
  'user',
  'machine',
  'client',
  'tracking',
  'visitor',
  'distinct',
  'thread',
  'window',
];
// A keyword hit is where the sticky regex starts, so every spelling the pattern accepts
// (machineId, device_uuid...) must be a keyword; writing the list by hand missed some.
const ID_NAME_KEYWORDS = ID_NAME_PREFIXES.flatMap((p) => [`${p}_id`, `${p}id`, `${p}_uuid`, `${p}uuid`]);

const opaque = (v: string): boolean =>
  /^[0-9a-f-]+$/i.test(v) ? (/\d/.test(v) && /[a-f]/i.test(v)) || /^\d{16,}$/.test(v) : looksRandom(v, 20);

export const trackingRules: readonly RuleDef[] = [
  {
    id: 'tracking.metadata-id',
    category: 'tracking',
    severity: 'medium',
    kind: 'opaque-id',
    description:
      'A device, installation, account, user or session id named as such (device_id, account_uuid, session_id, anonymousId...).',
    keywords: ID_NAME_KEYWORDS,
    pattern: r`(?:${ID_NAME_PREFIXES.join('|')})_?(?:id|uuid)(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?(?<v>${ID_VALUE})(?![\w-])`,
    flags: 'i',
    validate: opaque,
    samples: {
      tp: [
        [
          '{"device_id":"3c1f0e9a7b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6","account_uuid":"", "session_id":"5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c"}',
          '3c1f0e9a7b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6',
        ],
        ['anonymousId: "k2Lm9XvT4bRc8WnYp3Hs"', 'k2Lm9XvT4bRc8WnYp3Hs'],
      ],
      fp: ['sessionId: string', 'user_id = 42', 'client_id: "your-client-id-goes-here"'],
    },
  },
  {
    id: 'tracking.id-field',
    category: 'tracking',
    severity: 'medium',
    kind: 'opaque-id',
    description:
      'A request field that carries a client, session, conversation or cache id (OpenAI prompt_cache_key, safety_identifier, user; metadata sessionId...).',
    keywords: [],
    appliesTo: {
      fields: [
        'prompt_cache_key',
        'safety_identifier',
        'user',
        'sessionId',
        'session_id',
        'conversation_id',
        'conversationId',
        'device_id',
        'deviceId',
        'installation_id',
        'installationId',
        'anonymous_id',
        'anonymousId',
        'machine_id',
        'machineId',
        'thread_id',
        'x-codex-installation-id',
        'x-codex-window-id',
        'window_id',
      ],
    },
    // Codex window ids are a session id plus `:<n>`.
    validate: (v) => opaque(v.trim().replace(/:\d+$/, '')) && !/\s/.test(v.trim()),
    samples: {
      field: 'prompt_cache_key',
      tp: ['0199a4c2-7b1e-7d30-9f4a-3c5d6e7f8a9b'],
      fp: ['default', 'my cache key'],
    },
  },
  {
    id: 'tracking.legacy-user-id',
    category: 'tracking',
    severity: 'medium',
    kind: 'opaque-id',
    description: 'The parts of a composite metadata user id (user_<hash>_account_<uuid>_session_<uuid>).',
    keywords: [r`user_\h\h\h\h`, '_account_', '_session_'],
    lookback: 0,
    pattern: r`(?:(?<![\w])user_(?<v>[0-9a-f]{32,128})(?=_account_|_session_|\b)|_(?:account|session)_(?<w>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))`,
    samples: {
      tp: [
        [
          'user_' + 'a1b2c3d4e5f6'.repeat(5) + 'a1b2_account__session_5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c',
          'a1b2c3d4e5f6'.repeat(5) + 'a1b2',
        ],
        ['x_session_5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c', '5b0e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c'],
      ],
      fp: ['user_profile', 'my_session_store'],
    },
  },
];
