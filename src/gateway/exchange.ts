/** What the gateway reports about each finished request (to the audit log and metrics). */
import type { DialectId, UninspectedPart } from '../dialects/types.js';
import type { Provider } from '../errors.js';
import type { InspectSummary } from './inspector.js';

export interface Exchange {
  id: string;
  startedAt: number;
  provider: Provider;
  dialect: DialectId;
  method: string;
  /** Upstream path without the query string (which may carry `?key=`). */
  path: string;
  /**
   * The query string as the client sent it, `?` included, or "": raw, with any `?key=` in it;
   * the audit keeps only the parameters known to be harmless (sanitizePath).
   */
  search?: string;
  model?: string;
  userAgent?: string;
  /** Status sent to the client; 0 when the client went away before one was sent. */
  status: number;
  decision: 'forward' | 'block' | 'error';
  errorCode?: string;
  bytesIn: number;
  bytesOut: number;
  /** Whole exchange, from the first request byte to the last answer byte. */
  latencyMs: number;
  /** Inspection (detection, policy, rewriting) time. */
  inspectMs: number;
  /** Until the upstream's response headers arrived, measured from the upstream dispatch. */
  upstreamMs?: number;
  /** The client closed the connection before the answer was complete. */
  aborted: boolean;
  /** The request was handed to the upstream (false: nothing of it left the gateway). */
  forwarded: boolean;
  summary?: InspectSummary;
  /** The body as it left (after rewriting), only when the gateway was asked to capture it. */
  forensicBody?: string;
  /** Parts of an upload sent on uninspected (binary files), when it had any. */
  uninspected?: UninspectedPart[];
}

export type ExchangeListener = (exchange: Exchange) => void;

/**
 * Told of each exchange just before the answer's last bytes are sent (the audit record is
 * written ahead there). When it returns a promise, those bytes wait until it settles: the
 * recorder writes the records of every exchange that ended in one turn of the event loop with
 * one system call at the turn's end (AuditRecorder.recordGrouped). `othersInFlight` counts the
 * gateway's other exchanges not yet reported: with none, no other can end in this turn, and the
 * record is written at once rather than at the turn's end.
 */
export type ExchangeReporter = (
  exchange: Exchange,
  othersInFlight: number,
) => PromiseLike<void> | undefined | void;
