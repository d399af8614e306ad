/**
 * Secrets in what the audit log keeps as names rather than values: a segment of a request's URL
 * path (`/v1/files/ghp_…`) and a JSON member name in a finding's place
 * (`$.messages[1].content[0].input.ghp_…`, a secret used as a key). Findings carry a keyed hash
 * and a masked preview of a value; a name has no such form, so one that is a secret is written
 * as MASKED instead. The detection engine's secret rules (the gateway's own) tell which: 0.4-2 µs
 * per text on the development machine, and each text's answer is remembered (a gateway sees
 * the same few paths and member names again and again).
 *
 * A URL path and its kept query values are personal data too when a client puts a person in them
 * (`/v1beta/.../jane.doe@acme.com`, `?after=jane.doe%40acme.com`): there the personal-data rules
 * (e-mail, phone, card number, IBAN) mask as well, as the dashboard shows the path as stored.
 */
import { BoundedMemo } from '../bounded-memo.js';
import { createEngine, type Engine } from '../detect/engine.js';
import { piiRules } from '../detect/rules/pii.js';
import { secretRules } from '../detect/rules/secret.js';

/** What a masked path segment or member name is written as. */
export const MASKED = '[…]';

let secretEngine: Engine | undefined;
let pathEngine: Engine | undefined;

/** Built on first use (about 10 ms): the CLI's readers never need it. */
function secrets(): Engine {
  secretEngine ??= createEngine({ rules: secretRules, cacheEntries: 0 });
  return secretEngine;
}

/** Secret and personal-data rules: what a URL path segment or a query value may not show. */
function pathData(): Engine {
  pathEngine ??= createEngine({ rules: [...secretRules, ...piiRules], cacheEntries: 0 });
  return pathEngine;
}

/** Whether a rule of `engine` finds anything in the text, as sent or %-decoded. */
function finds(engine: Engine, text: string): boolean {
  if (engine.scan([{ path: [], role: 'user', text }]).length > 0) return true;
  if (!text.includes('%')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    return false;
  }
  return engine.scan([{ path: [], role: 'user', text: decoded }]).length > 0;
}

/** Whether a secret rule finds anything in the text, as sent or %-decoded. */
export function holdsSecret(text: string): boolean {
  return finds(secrets(), text);
}

/** Whether a secret or personal-data rule finds anything in the text, as sent or %-decoded. */
export function holdsPathData(text: string): boolean {
  return finds(pathData(), text);
}

const PATHS = new BoundedMemo<string, string>(1024);

/**
 * A URL path (no query string) with every `/`-separated segment that holds a secret or
 * personal data masked.
 */
export function maskPathSegments(path: string): string {
  let masked = PATHS.get(path);
  if (masked === undefined) {
    masked = path;
    if (holdsPathData(path)) {
      masked = path
        .split('/')
        .map((segment) => (segment !== '' && holdsPathData(segment) ? MASKED : segment))
        .join('/');
      // A finding only across a `/` (no rule finds one today) masks the whole path.
      if (masked === path) masked = MASKED;
    }
    PATHS.set(path, masked);
  }
  return masked;
}

const QUERIES = new BoundedMemo<string, string>(1024);

/**
 * The query parameters kept in an audited path, written as URLSearchParams writes them, with
 * each value that holds a secret or personal data written MASKED (`?after=[…]&limit=20`).
 */
export function maskQueryValues(kept: URLSearchParams): string {
  const query = kept.toString();
  let masked = QUERIES.get(query);
  if (masked === undefined) {
    masked = [...kept]
      .map(([name, value]) => {
        const pair = new URLSearchParams([[name, value]]).toString();
        return holdsPathData(value) ? `${pair.slice(0, pair.indexOf('=') + 1)}${MASKED}` : pair;
      })
      .join('&');
    QUERIES.set(query, masked);
  }
  return masked;
}
