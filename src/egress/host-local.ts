/**
 * Destinations that are the proxy's own machine rather than somewhere out there: loopback, the
 * unspecified addresses (which Linux connects to loopback), link-local addresses, and the cloud
 * instance-metadata services (169.254.169.254 and its names, AWS's fd00:ec2::254). A proxy that
 * other machines use (listening beyond loopback) would otherwise hand every client the services
 * that trust the host because they listen on loopback — an unauthenticated Redis holding the
 * vault, the audit database, the dashboard — and the VM's cloud credentials (server-side request
 * forgery). A proxy on loopback serves this machine's own processes, which reach all of that
 * directly anyway, so the guard applies only to one that listens beyond it (proxy.ts).
 *
 * A name is checked twice: as written (`localhost`, `metadata.google.internal`), and by the
 * addresses it resolves to when the proxy dials it (`guardedLookup`), so that a public name
 * pointing at 127.0.0.1 or 169.254.169.254 (wildcard DNS, rebinding) is refused as well.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { canonicalHost, isLoopback, UNSPECIFIED } from './ip.js';

/** The error code of a dial refused because every address of the name is host-local. */
export const HOST_LOCAL_CODE = 'EHOSTLOCAL';

/** Instance-metadata names of the cloud providers (they resolve to link-local addresses there). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);

/** `host` in any spelling (a name, any IPv4 form, bracketed or bare IPv6, IPv4-mapped IPv6). */
export function isHostLocal(host: string): boolean {
  if (isLoopback(host)) return true;
  const h = canonicalHost(host);
  if (METADATA_NAMES.has(h) || UNSPECIFIED.has(h)) return true;
  const family = isIP(h);
  if (family === 4) return h.startsWith('169.254.');
  if (family === 6) return /^fe[89ab][0-9a-f]:/.test(h) || h === 'fd00:ec2::254';
  return false;
}

function hostLocalError(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${hostname} resolves only to addresses of the proxy's own host`), {
    code: HOST_LOCAL_CODE,
  });
}

/**
 * A `lookup` for node:net and node:http that drops host-local addresses from a name's answer
 * (from `base`, node:dns by default) and fails with HOST_LOCAL_CODE when none is left. node:net
 * asks for one address or for all (`autoSelectFamily`); both are served from one `all: true` query.
 */
export function hostLocalLookup(base: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const all = options.all === true;
    base(hostname, { ...options, all: true }, (err, addresses) => {
      const list = Array.isArray(addresses) ? addresses : [];
      const kept: LookupAddress[] = list.filter((a) => !isHostLocal(a.address));
      if (err || kept.length === 0) {
        callback(err ?? hostLocalError(hostname), all ? [] : '', undefined);
        return;
      }
      if (all) callback(null, kept);
      else callback(null, kept[0]!.address, kept[0]!.family);
    });
  };
}
