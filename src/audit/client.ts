import { BoundedMemo } from '../bounded-memo.js';
/**
 * The client's user-agent family. The raw User-Agent is a fingerprint (OS, versions, sometimes
 * a machine name), so the audit log keeps only which tool sent the request.
 */
const FAMILIES: readonly [RegExp, string][] = [
  [/claude-cli|claude-code/i, 'claude-code'],
  [/codex/i, 'codex'],
  [/gemini-?cli/i, 'gemini-cli'],
  [/qwen/i, 'qwen-code'],
  [/anthropic/i, 'anthropic-sdk'],
  [/openai/i, 'openai-sdk'],
  [/google-genai|genai-js|gl-node|google-api-nodejs/i, 'google-genai-sdk'],
  [/^curl\//i, 'curl'],
  [/python-requests|httpx|aiohttp|python-urllib/i, 'python-http'],
  [/node-fetch|undici|axios|^node$/i, 'node-http'],
];

/** The family of the user agents seen lately: a client sends the same one with every request. */
const SEEN = new BoundedMemo<string, string>(256);

export function clientFamily(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown';
  let family = SEEN.get(userAgent);
  if (family === undefined) {
    family = FAMILIES.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'other';
    SEEN.set(userAgent, family);
  }
  return family;
}
