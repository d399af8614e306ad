/**
 * Which destinations are this proxy itself: a CONNECT or absolute URI aimed at our own
 * address and port would make the proxy connect to itself, again and again.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Destination } from './host-pattern.js';
import { canonicalHost, isLoopback, UNSPECIFIED } from './ip.js';

export interface SelfAddress {
  port: number;
  /** Hosts (besides loopback, when `loopback`) that reach this listener. */
  addresses: Set<string>;
  loopback: boolean;
}

export function selfAddress(listenHost: string, port: number): SelfAddress {
  const listen = canonicalHost(listenHost);
  const addresses = new Set<string>([listen]);
  const unspecified = UNSPECIFIED.has(listen);
  if (unspecified) {
    // Listening everywhere: every local interface address and our own name reach us too.
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) addresses.add(canonicalHost(info.address));
    }
    addresses.add(hostname().toLowerCase());
    for (const a of UNSPECIFIED) addresses.add(a);
  }
  return { port, addresses, loopback: unspecified || isLoopback(listen) };
}

/** `dest.host` may be spelled any way (an upstream proxy's host is not read by normalizeHost). */
export function isSelf(dest: Destination, self: SelfAddress): boolean {
  if (dest.port !== self.port) return false;
  const host = canonicalHost(dest.host);
  if (self.addresses.has(host)) return true;
  return self.loopback && (isLoopback(host) || UNSPECIFIED.has(host));
}
