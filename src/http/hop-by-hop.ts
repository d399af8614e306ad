/**
 * Hop-by-hop header fields (RFC 9110 §7.6.1): they describe one connection and are never
 * forwarded, nor is any field that `Connection` names. `Proxy-Authorization` is for the
 * proxy it was sent to only. Shared by the gateway and the egress proxy.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

type HeaderMap = Readonly<Record<string, string | string[] | number | undefined>>;

/** A predicate that is true for the fields of `headers` that must not be forwarded. */
export function hopByHop(headers: HeaderMap): (name: string) => boolean {
  const connection = headers.connection;
  // Most requests name nothing in Connection (or only keep-alive): no set to build.
  if (typeof connection !== 'string') return isHopByHop;
  const listed = new Set<string>();
  for (const token of connection.split(',')) listed.add(token.trim().toLowerCase());
  return (name) => HOP_BY_HOP.has(name) || listed.has(name);
}

const isHopByHop = (name: string): boolean => HOP_BY_HOP.has(name);
