/**
 * Secrets in what the audit log keeps as names rather than values: a segment of a request's URL
 * path (`/v1/files/ghp_…`) and a JSON member name in a finding's place
 * (`$.messages[1].content[0].input.ghp_…`, a secret used as a key). Findings carry a keyed hash
 * and a masked preview of a value; a name has no such form, so one that is a secret is written
 * as MASKED instead. The detection engine's secret rules (the gateway's own) tell which: 0.4-2 µs
 * per text on the development machine, and each text's answer is remembered (a gateway sees
 * the same few paths and member names again and again).
 */
import { BoundedMemo } from '../bounded-memo.js';
import { createEngine, type Engine } from '../detect/engine.js';
import { secretRules } from '../detect/rules/secret.js';

/** What a masked path segment or member name is written as. */
export const MASKED = '[…]';

let engine: Engine | undefined;

/** Built on first use (about 10 ms): the CLI's readers never need it. */
function secrets(): Engine {
  engine ??= createEngine({ rules: secretRules, cacheEntries: 0 });
  return engine;
}

/** Whether a secret rule finds anything in the text, as sent or %-decoded. */
export function holdsSecret(text: string): boolean {
  if (secrets().scan([{ path: [], role: 'user', text }]).length > 0) return true;
  if (!text.includes('%')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    return false;
  }
  return secrets().scan([{ path: [], role: 'user', text: decoded }]).length > 0;
}

const PATHS = new BoundedMemo<string, string>(1024);

/** A URL path (no query string) with every `/`-separated segment that holds a secret masked. */
export function maskSecretSegments(path: string): string {
  let masked = PATHS.get(path);
  if (masked === undefined) {
    masked = path;
    if (holdsSecret(path)) {
      masked = path
        .split('/')
        .map((segment) => (segment !== '' && holdsSecret(segment) ? MASKED : segment))
        .join('/');
      // A secret found only across a `/` (no rule finds one today) masks the whole path.
      if (masked === path) masked = MASKED;
    }
    PATHS.set(path, masked);
  }
  return masked;
}
