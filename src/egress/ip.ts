/**
 * One spelling per IP address. An address has many: getaddrinfo and inet_aton (what node:net
 * dials a host it does not see as an IP with) read `127.1`, `2130706433`, `0x7f.0.0.1` and
 * `0177.0.0.1` as 127.0.0.1; `[0:0::1]` is `[::1]`; `[::ffff:127.0.0.1]` and `[::ffff:7f00:1]`
 * reach 127.0.0.1. A deny rule or the proxy's loop check that compared the spellings would let
 * the others through, so destinations, patterns and the proxy's own addresses are all read into
 * the forms below before they are compared: dotted-quad IPv4, RFC 5952 IPv6 (compressed, lower
 * case), IPv4-mapped IPv6 as the IPv4 address.
 */
import { isIP } from 'node:net';

/** A number as inet_aton reads one part: decimal, octal after a leading 0, hex after 0x. */
const NUMBER = /^(?:0x[0-9a-f]*|[0-9]+)$/;

/**
 * Whether `host` (lower case, no trailing dot) is read as an IPv4 address rather than a name:
 * its last label is a number (the URL Standard's "ends in a number"; inet_aton reads such a
 * host as an address or refuses it, and no top-level domain is numeric).
 */
export function isNumericHost(host: string): boolean {
  return NUMBER.test(host.slice(host.lastIndexOf('.') + 1));
}

function partValue(part: string): number | undefined {
  if (!NUMBER.test(part)) return undefined;
  if (part.startsWith('0x')) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (part.length > 1 && part.startsWith('0')) return /^[0-7]+$/.test(part) ? parseInt(part, 8) : undefined;
  return parseInt(part, 10);
}

/**
 * An IPv4 address in any form inet_aton accepts (1 to 4 parts; each decimal, octal or hex; the
 * last one fills the remaining bytes) as a dotted quad; undefined when `host` is not one.
 */
export function parseIPv4(host: string): string | undefined {
  const parts = host.split('.');
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    const value = partValue(part);
    if (value === undefined) return undefined;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let address = last;
  values.forEach((v, i) => (address += v * 2 ** (8 * (3 - i))));
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * An IPv6 address (without brackets) compressed and in lower case, or the IPv4 address an
 * IPv4-mapped one reaches; undefined when `addr` is no IPv6 address or names a zone
 * (`fe80::1%eth0`: the same address on every link, which a rule could not tell apart).
 */
export function canonicalIPv6(addr: string): string | undefined {
  if (addr.includes('%') || isIP(addr) !== 6) return undefined;
  // The URL Standard serializes IPv6 hosts the RFC 5952 way (and spells embedded IPv4 in hex).
  const compressed = new URL(`http://[${addr}]/`).hostname.slice(1, -1);
  const mapped = MAPPED.exec(compressed);
  if (mapped === null) return compressed;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * `host` in its canonical spelling when it is an IP literal (bare or bracketed IPv6, any IPv4
 * form), else in lower case without a trailing dot; for hosts not read by `normalizeHost` (the
 * proxy's own addresses, an upstream proxy's host, `decide()`'s argument).
 */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  if (h.includes(':')) return canonicalIPv6(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h) ?? h;
  const bare = h.endsWith('.') ? h.slice(0, -1) : h;
  return (isNumericHost(bare) ? parseIPv4(bare) : undefined) ?? bare;
}

/** The unspecified addresses in canonical spelling: `0`, `[::ffff:0.0.0.0]` and `[0:0::0]` are these too. */
export const UNSPECIFIED: ReadonlySet<string> = new Set(['0.0.0.0', '::']);

/**
 * localhost, *.localhost (RFC 6761), 127.0.0.0/8 and ::1, however the address is spelled: a
 * host name, a URL's bracketed IPv6 host, or a socket's address (`::ffff:127.0.0.1`).
 */
export function isLoopback(host: string | undefined): boolean {
  if (!host) return false;
  const h = canonicalHost(host);
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}
