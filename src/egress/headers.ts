/**
 * Header rules of a forwarding proxy (RFC 9110 §7.6.1 Connection, §7.6.3 Via; RFC 9112 §9.6).
 * Hop-by-hop fields describe one connection and must not be forwarded: the fixed set below plus
 * every field named in `Connection`. `Proxy-Authorization` is for this proxy only: it is dropped
 * here and never reaches a log, an event or the next hop.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { hopByHop } from '../http/hop-by-hop.js';

/** A copy without hop-by-hop fields (and without the ones `Connection` lists). */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const skip = hopByHop(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || skip(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Appends this proxy to `Via` (RFC 9110 §7.6.3): `1.1 <pseudonym>`. */
export function appendVia(existing: string | string[] | undefined, pseudonym: string): string {
  const previous = Array.isArray(existing) ? existing.join(', ') : existing;
  return previous ? `${previous}, 1.1 ${pseudonym}` : `1.1 ${pseudonym}`;
}

/** True when a `Via` value lists this proxy already: the request came back to us. */
export function viaHasLoop(via: string | string[] | undefined, pseudonym: string): boolean {
  if (via === undefined) return false;
  const value = Array.isArray(via) ? via.join(',') : via;
  return value.split(',').some((hop) => hop.trim().split(/\s+/)[1] === pseudonym);
}
