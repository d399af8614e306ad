/**
 * What a scan report carries instead of a value, besides its masked preview
 * (src/detect/mask.ts): a keyed fingerprint, an HMAC over rule, file and value (stable when
 * lines move, useless for guessing the value without the key), and for `--reveal` the value
 * with its invisible characters escaped.
 */
import { createHmac } from 'node:crypto';
import { visible } from '../detect/mask.js';

/** Printable form of a value for `--reveal`: control and invisible characters escaped. */
export function revealValue(value: string): string {
  return visible(JSON.stringify(value).slice(1, -1));
}

/**
 * The key used when no baseline supplies one. Public by design: it makes fingerprints stable
 * across machines (CI and laptop agree); a baseline file carries its own random key so its
 * hashes can't be matched against other reports.
 */
export const DEFAULT_FINGERPRINT_KEY = 'airlock-scan-fingerprint-v1';

export function fingerprint(key: string, ruleId: string, file: string, value: string): string {
  // Length-prefixed fields: no two different (rule, file, value) triples hash the same input.
  return createHmac('sha256', key)
    .update(`${ruleId.length}:${ruleId}${file.length}:${file}`)
    .update(value)
    .digest('hex')
    .slice(0, 32);
}
