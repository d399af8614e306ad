/**
 * Masked previews: what the dashboard, the audit log, `airlock scan` reports and `airlock env`
 * show instead of a value. Enough of each end to tell two findings apart (`/ho…ts`, `AK…LE`),
 * never enough to use it; secrets keep less than other values. One function for every surface,
 * so that the same value looks the same in a scan report and in the dashboard.
 */

/** Invisible and control characters (format, bidi, tags, variation selectors). */
const INVISIBLE = /[\p{Cc}\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** Longest preview of a value with invisible characters (they are shown, not masked). */
const VISIBLE_MAX = 48;

/** Invisible and control characters as `\u{...}`, so that a person can see them. */
export function visible(text: string): string {
  return text.replace(INVISIBLE_ALL, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/**
 * The preview of `value`. Characters kept at each end grow with the length (up to 3 at the
 * start and 2 at the end; a secret 2 and 2 from 16 characters on, 1 and 1 from 8, none below);
 * four characters or fewer show nothing. A value with invisible characters that is not a
 * secret is shown with them made visible: they are the finding (hidden Unicode), not
 * something to hide.
 */
export function maskValue(value: string, secret: boolean): string {
  if (!secret && INVISIBLE.test(value)) {
    const shown = visible(value);
    return shown.length > VISIBLE_MAX ? `${shown.slice(0, VISIBLE_MAX - 1)}…` : shown;
  }
  const chars = Array.from(value);
  const n = chars.length;
  if (n <= 4) return '…';
  const keep = secret ? Math.min(2, Math.floor(n / 8)) : Math.min(3, Math.floor(n / 4));
  if (keep === 0) return `… (${n} chars)`;
  return `${chars.slice(0, keep).join('')}…${chars.slice(n - Math.min(keep, 2)).join('')}`;
}
