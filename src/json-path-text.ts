/**
 * A finding's JSON path as people read it, in the audit log (`$.messages[2].content[0].text`)
 * and in a blocked request's message (`messages[2].content[0].text`). A member name is written
 * out only when it is a plain word that holds no secret: anything else may be what a finding is
 * about (a token, a home path or an e-mail used as a key) and is written MASKED instead
 * (`$.messages[1].content[0].input.files[…][…]`). Both places say "never the value": a key that
 * is a value is no exception.
 */
import { holdsSecret, MASKED } from './audit/secret-names.js';
import { BoundedMemo } from './bounded-memo.js';
import type { JsonPath } from './dialects/types.js';
import { isPlainName } from './dialects/walk.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** How each key was last written in a path (`.content`, `["x-api-key"]`): requests repeat a few keys. */
const KEYS = new BoundedMemo<string, string>(1024);

/** `.content`, `["x-api-key"]`, or MASKED for a name that may be data. */
function pathKey(key: string): string {
  let written = KEYS.get(key);
  if (written === undefined) {
    // Written out only when a plain word (isPlainName): anything else may be what a finding is
    // about. A word may still be a secret: a GitHub token is a 40-character word.
    if (!isPlainName(key) || holdsSecret(key)) written = MASKED;
    else written = IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    KEYS.set(key, written);
  }
  return written;
}

/** `name` (a member name, a header's name) as it is, or MASKED when it may be data (see pathKey). */
export function nameText(name: string): string {
  return pathKey(name) === MASKED ? MASKED : name;
}

/**
 * `path` written after `root`: `['messages', 2, 'content']` → `$.messages[2].content` (root `$`)
 * or `messages[2].content` (no root); `['input', 'ghp_…']` → `$.input[…]`. An empty path is
 * the root alone.
 */
export function jsonPathText(path: JsonPath, root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = pathKey(part);
      out += out === '' && key.startsWith('.') ? key.slice(1) : key;
    }
  }
  return out;
}
