/**
 * One event per egress attempt, whatever its outcome. The shape has no field for headers, paths
 * or proxy URLs, so `Proxy-Authorization` and credentials in a proxy URL have nowhere to go.
 * The gateway hands these to the audit recorder (`egressAuditInput`); alone, the proxy logs them.
 */
import pino, { type Logger } from 'pino';
import type { AuditEventInput } from '../audit/event.js';
import { formatAuthority } from './host-pattern.js';

export type EgressOutcome =
  /** CONNECT tunnel opened. */
  | 'tunnel'
  /** Tunnel handed to the `interceptTunnel` hook. */
  | 'intercepted'
  /** Absolute-URI request forwarded and answered. */
  | 'forwarded'
  /** Refused by the egress policy. */
  | 'refused'
  /** The destination is the proxy itself, or the request already went through it. */
  | 'loop'
  /** Unparseable target, oversized headers, unsupported form. */
  | 'bad_request'
  /** Allowed, but the destination (or the upstream proxy) could not be reached. */
  | 'upstream_error'
  /** Allowed, but the client went away while the destination was dialled: nothing was answered (status 0). */
  | 'abandoned'
  /** Not dialled: the proxy takes no new connections for now (its audit log cannot record them). */
  | 'unavailable';

export interface EgressEvent {
  kind: 'egress';
  /** ISO 8601, when the attempt arrived. */
  time: string;
  /** `CONNECT`, or the method of an absolute-URI request; empty when the request line was unreadable. */
  method: string;
  /** Destination host (normalized); empty when the target could not be parsed. */
  host: string;
  port: number;
  decision: 'allow' | 'deny';
  /** The policy rule that decided, or why the request was refused before the policy. */
  rule: string;
  outcome: EgressOutcome;
  /** Status the proxy answered (200 for an opened tunnel). */
  status: number;
  /** Milliseconds from arrival to the answer (tunnel open, response head, refusal). */
  latencyMs: number;
  client: { address: string; userAgent?: string };
  /** How the connection left: straight, or through the configured upstream proxy. */
  route?: 'direct' | 'upstream-proxy';
  /**
   * How an opened tunnel moves its bytes: `buffers` (reused read buffers both ways), `pipe` (the
   * stream fallback both ways: this runtime lacks the socket internals the buffers need, or the
   * client connection was not a plain socket) or `mixed` (one direction each).
   */
  tunnel?: 'buffers' | 'pipe' | 'mixed';
  /**
   * Network error code when outcome is upstream_error (ECONNREFUSED, ETIMEDOUT...), or abandoned
   * after the dial failed too.
   */
  error?: string;
}

export type EgressListener = (event: EgressEvent) => void;

/** The default listener: one pino line per attempt (stderr, so a wrapped TTY's stdout stays clean). */
export function logEgressEvents(logger?: Logger): EgressListener {
  const log = logger ?? pino({ name: 'airlock-egress' }, pino.destination(2));
  return function logEgressEvent(event) {
    const level = event.decision === 'deny' || event.outcome === 'upstream_error' ? 'warn' : 'info';
    log[level]({ egress: event }, `egress ${event.decision} ${event.method} ${formatAuthority(event)}`);
  };
}

/** The audit record of an egress attempt (AuditRecorder.record takes it). */
export function egressAuditInput(event: EgressEvent): AuditEventInput {
  const failed =
    event.outcome === 'upstream_error' || event.outcome === 'bad_request' || event.outcome === 'loop';
  return {
    time: Date.parse(event.time),
    kind: 'egress',
    userAgent: event.client.userAgent,
    method: event.method || undefined,
    status: event.status,
    latency_ms: { total: event.latencyMs },
    decision: event.decision === 'allow' && failed ? 'error' : event.decision,
    egress: { host: event.host, port: event.port, rule: event.rule },
    // An abandoned attempt was allowed and failed at nothing, but the record says it was never answered.
    error: event.error ?? (failed || event.outcome === 'abandoned' ? event.outcome : undefined),
  };
}
