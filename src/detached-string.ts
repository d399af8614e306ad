/**
 * A copy of `s` that keeps no larger string alive. V8 represents a substring of 13 or more
 * characters as a slice of its parent and a concatenation as a pair of its parts, so a value cut
 * from a request text (a finding's value, a surrogate built around it) held in a long-lived memo
 * keeps that whole text in memory: in a soak run ~2 KB per remembered value instead of its own
 * few dozen bytes, and a whole file read by a tool for one e-mail address in it. For strings
 * stored for longer than a request; shorter ones are copies already.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}
