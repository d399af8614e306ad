/**
 * Which provider a path belongs to. Clients are pointed at a prefix of the gateway
 * (`/anthropic`, `/openai/v1`, `/gemini`); everything below it is forwarded.
 */
import type { Provider } from '../errors.js';

export interface ProviderRoute {
  provider: Provider;
  /** The upstream path: the request path without the provider prefix, always starting with `/`. */
  path: string;
  /** The query string including its `?`, or "". */
  search: string;
}

const PREFIXES: readonly [string, Provider][] = [
  ['/anthropic', 'anthropic'],
  ['/openai', 'openai'],
  ['/gemini', 'gemini'],
];

export function matchProvider(url: string): ProviderRoute | undefined {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const search = q === -1 ? '' : url.slice(q);
  for (const [prefix, provider] of PREFIXES) {
    if (!pathname.startsWith(prefix)) continue;
    const rest = pathname.slice(prefix.length);
    if (rest !== '' && rest[0] !== '/') continue;
    return { provider, path: rest === '' ? '/' : rest, search };
  }
  return undefined;
}

/** The provider whose error shape a failed request should get, guessed from the path. */
export function providerOf(url: string): Provider | undefined {
  return matchProvider(url)?.provider;
}
