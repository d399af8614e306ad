/**
 * Host patterns of the egress policy and the parsing of destinations (CONNECT authority-form,
 * absolute URIs). One grammar for both, so a rule and a destination are read the same way.
 *
 *   pattern  = host-part [ ":" port-part ]
 *   host-part = "*" | "*" suffix | labels | hostname | IPv4 | "[" IPv6 "]"
 *   labels    = label 1*( "." ( label | "*" ) ) "." label    (a name, with at least one "*")
 *   port-part = 1..65535 | "*"
 *
 * `*.example.com` matches subdomains at any depth but not `example.com` itself (list both when
 * both are meant); `*-aiplatform.googleapis.com` matches any host ending in that suffix. A `*`
 * after the first label stands for exactly one label: `bedrock-runtime.*.amazonaws.com` matches
 * `bedrock-runtime.us-east-1.amazonaws.com`, not `bedrock-runtime.a.b.amazonaws.com`, because
 * providers put a region there and nothing else.
 */
import { canonicalIPv6, isNumericHost, parseIPv4 } from './ip.js';

export interface HostPattern {
  /** The pattern as written (for messages). */
  source: string;
  kind: 'any' | 'exact' | 'suffix' | 'labels';
  /** Lower-case host (exact, labels: as written, `*` included) or the suffix after `*` (suffix); empty for `any`. */
  host: string;
  /** `labels` only: the host's labels, `*` where any one label matches. */
  labels?: readonly string[];
  /** undefined = any port. */
  port: number | undefined;
}

export interface Destination {
  /** Lower-case, no trailing dot; an IP address in its one spelling (ip.ts), IPv6 without brackets. */
  host: string;
  port: number;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** RFC 1123 host name (underscores tolerated: real DNS has them), at most 253 characters. */
export function isHostname(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => LABEL.test(label));
}

/**
 * Lower-cases, drops one trailing dot and IPv6 brackets, and spells an IP address the one way
 * (ip.ts: `127.1` and `[::ffff:7f00:1]` are 127.0.0.1); undefined when it is no valid host.
 */
export function normalizeHost(raw: string): string | undefined {
  let host = raw.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) return reached(canonicalIPv6(host.slice(1, -1)));
  if (host.endsWith('.')) host = host.slice(0, -1);
  // A numeric last label makes it an address to the resolver, or nothing (`1.2.3.256`): never a name.
  if (isNumericHost(host)) return reached(parseIPv4(host));
  return isHostname(host) ? host : undefined;
}

/**
 * The address a connection to `address` reaches: on Linux the unspecified addresses (`0.0.0.0`,
 * `::`) connect to this machine's loopback, so a deny rule on `127.0.0.1:5432` covers them.
 */
function reached(address: string | undefined): string | undefined {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '::1';
  return address;
}

/** `host:port` as written in a request target: IPv6 in brackets. */
export function formatAuthority(dest: Destination): string {
  return dest.host.includes(':') ? `[${dest.host}]:${dest.port}` : `${dest.host}:${dest.port}`;
}

export function parsePort(raw: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(raw)) return undefined;
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Splits `host:port` / `[v6]:port`; the port part is undefined when absent. */
function splitHostPort(raw: string): { host: string; port: string | undefined } | undefined {
  if (raw.startsWith('[')) {
    const close = raw.indexOf(']');
    if (close < 0) return undefined;
    const rest = raw.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    return { host: raw.slice(0, close + 1), port: rest === '' ? undefined : rest.slice(1) };
  }
  const colon = raw.lastIndexOf(':');
  if (colon < 0) return { host: raw, port: undefined };
  // A bare IPv6 address without brackets is ambiguous with a port: refuse it.
  if (raw.indexOf(':') !== colon) return undefined;
  return { host: raw.slice(0, colon), port: raw.slice(colon + 1) };
}

/** Parses a CONNECT request target (RFC 9110 §9.3.6 authority-form: host and port, both required). */
export function parseAuthority(target: string): Destination | undefined {
  if (target.length === 0 || target.length > 300 || target.includes('@')) return undefined;
  const parts = splitHostPort(target);
  if (parts === undefined || parts.port === undefined) return undefined;
  const host = normalizeHost(parts.host);
  const port = parsePort(parts.port);
  if (host === undefined || port === undefined) return undefined;
  return { host, port };
}

/** Parses one policy pattern; throws with the reason when it is not one. */
export function parseHostPattern(source: string): HostPattern {
  const trimmed = source.trim().toLowerCase();
  const parts = splitHostPort(trimmed);
  if (parts === undefined) throw new Error(`"${source}" is not host[:port] (write IPv6 as [addr]:port)`);
  let port: number | undefined;
  if (parts.port !== undefined && parts.port !== '*') {
    port = parsePort(parts.port);
    if (port === undefined) throw new Error(`"${source}": port must be 1-65535 or *`);
  }
  const hostPart = parts.host;
  if (hostPart === '*') return { source, kind: 'any', host: '', port };
  if (hostPart.startsWith('*')) {
    const suffix = hostPart.slice(1);
    const bare = suffix.replace(/^[.-]/, '');
    if (!(suffix.startsWith('.') || suffix.startsWith('-')) || !isHostname(bare)) {
      throw new Error(`"${source}": a wildcard is "*", "*.domain" or "*-suffix.domain"`);
    }
    return { source, kind: 'suffix', host: suffix, port };
  }
  if (hostPart.includes('*')) return labelsPattern(source, hostPart, port);
  const host = normalizeHost(hostPart);
  if (host === undefined) throw new Error(`"${source}" is not a valid host name or IP address`);
  return { source, kind: 'exact', host, port };
}

/**
 * `bedrock-runtime.*.amazonaws.com`: literal first and last labels, `*` ones between them match
 * any one label. The last label is a name's (not a number), so no IP address ever matches.
 */
function labelsPattern(source: string, hostPart: string, port: number | undefined): HostPattern {
  const host = hostPart.endsWith('.') ? hostPart.slice(0, -1) : hostPart;
  const labels = host.split('.');
  const wellFormed =
    host.length <= 253 &&
    labels.every((label) => label === '*' || LABEL.test(label)) &&
    labels.at(-1) !== '*' &&
    !isNumericHost(labels.map((label) => (label === '*' ? 'x' : label)).join('.'));
  if (!wellFormed) {
    throw new Error(
      `"${source}": a "*" inside a host stands for one whole label, as in "bedrock-runtime.*.amazonaws.com"`,
    );
  }
  return { source, kind: 'labels', host, labels, port };
}

/** How specific a pattern is: an exact host beats a longer suffix beats a shorter one beats `*`. */
export function specificity(p: HostPattern): number {
  // A labels pattern counts its literal characters: `bedrock-runtime.*.amazonaws.com` beats `*.amazonaws.com`.
  const hostScore =
    p.kind === 'exact'
      ? 1000
      : p.kind === 'suffix'
        ? p.host.length
        : p.kind === 'labels'
          ? p.host.length - countWildcards(p.labels)
          : 0;
  return hostScore * 2 + (p.port === undefined ? 0 : 1);
}

export function matches(p: HostPattern, dest: Destination): boolean {
  if (p.port !== undefined && p.port !== dest.port) return false;
  switch (p.kind) {
    case 'any':
      return true;
    case 'exact':
      return p.host === dest.host;
    case 'suffix':
      return dest.host.length > p.host.length && dest.host.endsWith(p.host);
    case 'labels':
      return labelsMatch(p.labels ?? [], dest.host);
  }
}

function labelsMatch(labels: readonly string[], host: string): boolean {
  const parts = host.split('.');
  if (parts.length !== labels.length) return false;
  return labels.every((label, i) => label === '*' || label === parts[i]);
}

function countWildcards(labels: readonly string[] | undefined): number {
  return labels === undefined ? 0 : labels.filter((label) => label === '*').length;
}
