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

/** Response headers for the client: everything the upstream said, minus hop-by-hop fields. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  opts: { bodyRewritten: boolean },
): OutgoingHttpHeaders {
  const skip = hopByHop(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || skip(name)) continue;
    if (opts.bodyRewritten && (name === 'content-length' || name === 'content-encoding')) continue;
    out[name] = value;
  }
  return out;
}
