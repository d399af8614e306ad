/**
 * The request head of a `CONNECT` (RFC 9112 §3, §5; RFC 9110 §9.3.6), read straight from the
 * socket's bytes: the proxy's fast path for tunnels, without node:http's parser and request
 * objects. Only the fields the proxy uses are kept (`User-Agent` for the event, `Via` for loop
 * detection); every other field, `Proxy-Authorization` included, is checked for form and dropped.
 * Anything that is not a `CONNECT` goes to node:http unparsed.
 */

export interface ConnectHead {
  /** The request target as sent (authority-form is checked by the caller). */
  target: string;
  /** The first `User-Agent` (as node:http keeps it). */
  userAgent?: string;
  /** All `Via` field values, comma-joined. */
  via?: string;
  /** Bytes of the head including the empty line; what follows belongs to the tunnel. */
  length: number;
}

export type HeadResult =
  | { kind: 'incomplete' }
  | { kind: 'connect'; head: ConnectHead }
  /** Malformed or too long: answer `status`; `rule` names the fault for the event. */
  | { kind: 'bad'; status: 400 | 431; rule: string };

const CONNECT_PREFIX = Buffer.from('CONNECT ', 'latin1');
const END = Buffer.from('\r\n\r\n', 'latin1');

/** `yes`: the bytes start a CONNECT request; `no`: they do not; `maybe`: too few bytes to tell. */
export function startsConnect(buf: Buffer): 'yes' | 'no' | 'maybe' {
  const n = Math.min(buf.length, CONNECT_PREFIX.length);
  for (let i = 0; i < n; i++) if (buf[i] !== CONNECT_PREFIX[i]) return 'no';
  return n === CONNECT_PREFIX.length ? 'yes' : 'maybe';
}

/** token (RFC 9110 §5.6.2): a field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field value characters: visible ASCII, obs-text, space and tab; no other control character. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request target has no whitespace or control characters. */
const TARGET = /^[\x21-\x7e]+$/;

/**
 * Parses a CONNECT head from the start of `buf`. `searchFrom` lets a caller that appends
 * chunks skip bytes already searched for the end of the head.
 */
export function parseConnectHead(buf: Buffer, maxHeadSize: number, searchFrom = 0): HeadResult {
  const end = buf.indexOf(END, Math.max(0, searchFrom - 3));
  if (end < 0) {
    return buf.length > maxHeadSize
      ? { kind: 'bad', status: 431, rule: 'HPE_HEADER_OVERFLOW' }
      : { kind: 'incomplete' };
  }
  const length = end + 4;
  if (length > maxHeadSize) return { kind: 'bad', status: 431, rule: 'HPE_HEADER_OVERFLOW' };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const requestLine = lines[0]!.split(' ');
  if (
    requestLine.length !== 3 ||
    (requestLine[2] !== 'HTTP/1.1' && requestLine[2] !== 'HTTP/1.0') ||
    !TARGET.test(requestLine[1]!)
  ) {
    return { kind: 'bad', status: 400, rule: 'malformed CONNECT request line' };
  }
  const head: ConnectHead = { target: requestLine[1]!, length };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    // No colon, whitespace before it (RFC 9112 §5.1) or obsolete line folding: refused.
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) {
      return { kind: 'bad', status: 400, rule: 'malformed header field' };
    }
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return { kind: 'bad', status: 400, rule: 'malformed header field' };
    // Only two names matter; compare lengths first so most fields cost no lower-casing.
    if (colon === 10 && line.slice(0, colon).toLowerCase() === 'user-agent') {
      head.userAgent ??= value;
    } else if (colon === 3 && line.slice(0, colon).toLowerCase() === 'via') {
      head.via = head.via === undefined ? value : `${head.via}, ${value}`;
    }
  }
  return { kind: 'connect', head };
}
