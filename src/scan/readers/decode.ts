/**
 * UTF-8 bytes to a string, fast for the common case: most transcript lines are pure ASCII, and
 * for ASCII bytes Latin-1 decoding gives the same string with a plain copy (several times faster
 * than validating UTF-8). `isAscii` is a SIMD check; anything else goes through the UTF-8 decoder.
 */
import { isAscii } from 'node:buffer';

export function decodeUtf8(buf: Buffer, start = 0, end = buf.length): string {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return isAscii(view) ? view.toString('latin1') : view.toString('utf8');
}
