/**
 * A word character as regular expressions' `\w` reads one (ASCII letters, digits, `_`): the
 * boundary that detection, surrogate choice and restoration agree on, so `user-1` is never
 * taken for the start of `user-12` in one place and not in another.
 */
export function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
  );
}
