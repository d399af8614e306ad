/**
 * Requests refused before routing as audit events, at most REFUSALS_PER_MINUTE a minute per
 * gateway process and kind: the web guard's (a foreign Host: DNS rebinding; a cross-site or
 * same-site POST: a forged form), and requests to no route (a client whose base URL lacks the
 * provider prefix, a scanner).
 *
 * Why a bound: a web page can make a browser send such requests in a loop, and anyone who
 * reaches the port can send 404s as fast as it likes. Recorded one event each, they could fill
 * the spool and the store, and under `on_spool_full: block` make the gateway refuse the
 * developer's own requests: the audit log would become a way to stop the gateway. Past the
 * bound a minute's refusals are still counted (airlock_refused_requests_total counts every one)
 * and the log says, once that minute, that the audit log leaves the rest out.
 */
import type { RefusedRequest } from '../gateway/refused.js';
import { minuteBound } from '../minute-bound.js';
import type { AuditEventInput } from './event.js';

export const REFUSALS_PER_MINUTE = 60;

/** Refused for what the request is (sent by a web page): a block. No route: the client's error. */
const BLOCKS: ReadonlySet<string> = new Set(['AIRLOCK_FOREIGN_HOST', 'AIRLOCK_FROM_WEB_PAGE']);

/** The audit event of a refused request, with the error code as the reason. */
export function refusalAuditInput(r: RefusedRequest): AuditEventInput {
  return {
    time: r.time,
    kind: 'request',
    userAgent: r.userAgent,
    provider: r.provider,
    method: r.method,
    // Query values are dropped here but the harmless ones (sanitizePath): `?key=` never.
    path: r.path,
    status: r.status,
    latency_ms: { total: 0 },
    bytes_in: 0,
    bytes_out: 0,
    decision: BLOCKS.has(r.code) ? 'block' : 'error',
    error: r.code,
  };
}

export interface RefusalAuditOptions {
  record: (input: AuditEventInput) => void;
  /** What is refused, for the message past the bound: 'requests from web pages refused'. */
  what: string;
  /** Told once per minute in which refusals went unrecorded, at the first of them. */
  onSkipped: (message: string) => void;
  perMinute?: number;
  now?: () => number;
}

/** Returns what to call with each refused request: it records the first `perMinute` of each minute. */
export function refusalAudit(options: RefusalAuditOptions): (r: RefusedRequest) => void {
  const perMinute = options.perMinute ?? REFUSALS_PER_MINUTE;
  const bound = minuteBound(perMinute, options.now);
  return (r) => {
    const verdict = bound();
    if (verdict === 'take') options.record(refusalAuditInput(r));
    else if (verdict === 'first-over')
      options.onSkipped(
        `more than ${perMinute} ${options.what} within a minute (${r.code}): the rest ` +
          'of this minute are not written to the audit log, only counted in airlock_refused_requests_total on /metrics',
      );
  };
}
