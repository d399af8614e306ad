/**
 * Header handling between client, gateway and upstream (RFC 9110 §7.6.1: hop-by-hop fields
 * and those named in `Connection` are not forwarded). Authentication headers pass untouched.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { hopByHop } from '../http/hop-by-hop.js';

/**
 * Request headers for the upstream. `host` is set by the HTTP client from the upstream URL;
 * `content-length` and `content-encoding` are recomputed from the body actually sent.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  opts: {
    bodyRewritten: boolean;
    removed?: readonly string[];
    set?: Record<string, string>;
    acceptEncoding?: string;
  },
): Record<string, string | string[]> {
  const skip = hopByHop(incoming);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    // `expect: 100-continue` was answered by this server already (node:http sends the 100), and
    // undici refuses to send it: forwarded, it turned every such request into a 502.
    if (value === undefined || skip(name) || name === 'host' || name === 'expect') continue;
    if (opts.bodyRewritten && (name === 'content-length' || name === 'content-encoding')) continue;
    out[name] = value;
  }
  for (const name of opts.removed ?? []) delete out[name];
  Object.assign(out, opts.set);
  if (opts.acceptEncoding !== undefined) out['accept-encoding'] = opts.acceptEncoding;
  return out;
}

/** Response headers for the client: what the upstream said, minus hop-by-hop and browser-only fields. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  opts: { bodyRewritten: boolean },
): OutgoingHttpHeaders {
  const skip = hopByHop(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || skip(name) || isBrowserOnly(name)) continue;
    if (opts.bodyRewritten && (name === 'content-length' || name === 'content-encoding')) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Headers that speak to a browser on the gateway's origin, not to an API client: an upstream's
 * CORS grant would let any web page read the loopback gateway's answers, and its cookies (a
 * CDN's `__cf_bm`) would land in the 127.0.0.1 jar that every local port shares.
 */
function isBrowserOnly(name: string): boolean {
  return name === 'set-cookie' || name.startsWith('access-control-');
}
