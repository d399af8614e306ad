/**
 * Masked previews and keyed fingerprints: what a report may carry instead of a value.
 * A preview keeps a few characters at each end so a person can tell two findings apart
 * (`/ho…ce`, `sk-…9Q`), never enough to reuse a secret. A fingerprint is a keyed HMAC over
 * rule, file and value: stable when lines move, useless for guessing the value without the key.
 */
import { createHmac } from 'node:crypto';

/** Invisible and control characters (format, bidi, tags, variation selectors) as \u{...}. */
const INVISIBLE = /[\p{Cc}\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/gu;

/** Makes invisible characters visible, so a report shows what a hidden-unicode finding is. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/** Characters kept at each end, by value length: short values show less. */
export function maskValue(value: string): string {
  // Invisible characters are not secrets: they are the finding, shown as code points.
  if (INVISIBLE.test(value)) {
    INVISIBLE.lastIndex = 0;
    const shown = visible(value);
    return shown.length > 48 ? `${shown.slice(0, 45)}…` : shown;
  }
  const chars = Array.from(value);
  const n = chars.length;
  if (n <= 4) return '*'.repeat(Math.max(n, 1));
  if (n <= 8) return `${chars[0]}…${chars[n - 1]}`;
  if (n <= 16) return `${chars.slice(0, 2).join('')}…${chars.slice(n - 2).join('')}`;
  return `${chars.slice(0, 3).join('')}…${chars.slice(n - 2).join('')}`;
}

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
