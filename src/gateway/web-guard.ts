/**
 * What keeps web pages out of a gateway on a loopback address. A browser can be made to send
 * requests to 127.0.0.1 by any page: with a form POST (the page cannot read the answer, but the
 * gateway would forward it and record it), or after DNS rebinding (a name the page owns,
 * renamed to 127.0.0.1, whose answers the page can then read: /metrics, the login form, the
 * provider routes). API clients and SDKs send neither a foreign Host nor Sec-Fetch-Site.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from '../egress/ip.js';

/**
 * For a gateway listening on `listenHost`: the Host a request names when it is not a loopback
 * name (127.0.0.0/8, ::1, localhost, *.localhost) while the gateway listens on a loopback
 * address, the sign of DNS rebinding; undefined for every other request. A gateway listening on
 * another address was exposed on purpose and takes any Host. Clients send one Host each, so the
 * answers are remembered (a few dozen at most).
 */
export function hostGuard(listenHost: string): (headers: IncomingHttpHeaders) => string | undefined {
  if (!isLoopback(listenHost)) return () => undefined;
  const seen = new Map<string, boolean>();
  return (headers) => {
    const host = headers.host;
    if (host === undefined || host === '') return undefined;
    let loopback = seen.get(host);
    if (loopback === undefined) {
      loopback = isLoopback(hostnameOf(host));
      if (seen.size >= 64) seen.clear();
      seen.set(host, loopback);
    }
    return loopback ? undefined : host;
  };
}

/** `127.0.0.1:8789` → `127.0.0.1`, `[::1]:8789` → `[::1]`, `localhost` → `localhost`. */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/**
 * The Sec-Fetch-Site of a request that changes something, sent by a page of another site or
 * port (browsers send it; API clients do not): a cross-site form POST to a provider route, the
 * dashboard's login or logout. Reads (GET, HEAD) and the dashboard's own forms pass.
 */
export function fromAnotherSite(
  method: string | undefined,
  headers: IncomingHttpHeaders,
): string | undefined {
  if (method === 'GET' || method === 'HEAD') return undefined;
  const site = headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site' ? site : undefined;
}
