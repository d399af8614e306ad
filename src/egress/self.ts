/**
 * Which destinations are this proxy itself: a CONNECT or absolute URI aimed at our own
 * address and port would make the proxy connect to itself, again and again.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { Destination } from './host-pattern.js';

/** localhost, *.localhost (RFC 6761), 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const UNSPECIFIED = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

export interface SelfAddress {
  port: number;
  /** Hosts (besides loopback, when `loopback`) that reach this listener. */
  addresses: Set<string>;
  loopback: boolean;
}

export function selfAddress(listenHost: string, port: number): SelfAddress {
  const addresses = new Set<string>([listenHost.toLowerCase()]);
  const unspecified = UNSPECIFIED.has(listenHost);
  if (unspecified) {
    // Listening everywhere: every local interface address and our own name reach us too.
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) addresses.add(info.address.toLowerCase());
    }
    addresses.add(hostname().toLowerCase());
    for (const a of UNSPECIFIED) addresses.add(a);
  }
  return { port, addresses, loopback: unspecified || isLoopback(listenHost) };
}

export function isSelf(dest: Destination, self: SelfAddress): boolean {
  if (dest.port !== self.port) return false;
  if (self.addresses.has(dest.host)) return true;
  return self.loopback && (isLoopback(dest.host) || UNSPECIFIED.has(dest.host));
}
