/**
 * Why the gateway refused a request before any route took it: none of these reaches the
 * provider, so they are counted on their own (airlock_refused_requests_total). A fixed set, so
 * that a metric labelled by it stays small whatever clients send. The web guard's refusals
 * (foreign_host, cross_site) are decisions about a request that would have been forwarded, and
 * an unknown route is most often a client sent to the wrong base URL: the audit log records
 * those as well (src/audit/refusals.ts).
 */
import type { ErrorCode, Provider } from '../errors.js';

export const REFUSED_REASONS = [
  /** A Host that is no loopback name on a loopback gateway (DNS rebinding): AIRLOCK_FOREIGN_HOST. */
  'foreign_host',
  /** A cross-site or same-site request that changes something: AIRLOCK_FROM_WEB_PAGE. */
  'cross_site',
  /** A path under no provider prefix and no other route: AIRLOCK_UNKNOWN_ROUTE. */
  'unknown_route',
  /** A method a route does not take (POST /metrics): 405. */
  'method_not_allowed',
  /** Request line and headers over the gateway's maximum: AIRLOCK_HEADERS_TOO_LARGE (431). */
  'headers_too_large',
  /** Headers that did not arrive in time: AIRLOCK_REQUEST_TIMEOUT (408). */
  'headers_timeout',
  /** Bytes node:http cannot read as HTTP/1.1: AIRLOCK_BAD_HTTP (400). */
  'bad_http',
  /** On a connection past limits.max_connections: AIRLOCK_CONNECTIONS_FULL (503). */
  'connections_full',
] as const;

export type RefusedReason = (typeof REFUSED_REASONS)[number];

/**
 * A request refused before routing that the audit log records (the web guard's, an unknown
 * route's), as much of it as the log takes: no header but the User-Agent (of which it keeps the
 * family), no body.
 */
export interface RefusedRequest {
  /** When it arrived (ms since the epoch). */
  time: number;
  method: string | undefined;
  /**
   * The provider's path under a provider route (as an exchange's), else as received; the query
   * string included (the audit log keeps only harmless parameters).
   */
  path: string;
  /** The provider whose route the path names, if any. */
  provider: Provider | undefined;
  userAgent: string | undefined;
  status: number;
  code: ErrorCode;
}

/** Told of each request refused before routing; of those the audit log records, with the request. */
export type RefusedListener = (reason: RefusedReason, request?: RefusedRequest) => void;
