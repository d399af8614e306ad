/**
 * The steps of a gateway exchange as timestamps on a diagnostics channel, for whoever listens:
 * the benchmark's table of where the time goes (bench/lib/serve.ts), a tracer. With no
 * subscriber a mark costs one check and builds nothing.
 */
import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/** In the order an exchange passes them; a blocked or failed one stops early. */
export type ExchangePhase =
  /** The request's head is in; its body is read next. */
  | 'received'
  /** The body is read (and decoded). */
  | 'read'
  /** The body is parsed, or checked to be JSON. */
  | 'parsed'
  /** The inspector has decided (and rewritten the body). */
  | 'inspected'
  /** The request is handed to the upstream connection. */
  | 'forwarded'
  /** The upstream's answer headers are in. */
  | 'answered'
  /** The upstream's answer is complete (a streamed one relayed meanwhile). */
  | 'answer-end'
  /** Everything but the answer's last write is done; the exchange is reported next. */
  | 'settled'
  /** The exchange is reported (the audit record is written ahead). */
  | 'reported'
  /** The answer's last byte is handed to the socket. */
  | 'finished';

export interface PhaseMark {
  /** The exchange's id (the `x-airlock-request-id` header). */
  exchange: string;
  phase: ExchangePhase;
  /** performance.now() */
  at: number;
}

export const PHASE_CHANNEL = 'airlock:gateway:phase';
const phases = channel(PHASE_CHANNEL);

/** Whether anyone listens (to skip work that only feeds the marks). */
export function phasesObserved(): boolean {
  return phases.hasSubscribers;
}

export function markPhase(exchange: string, phase: ExchangePhase): void {
  if (phases.hasSubscribers) phases.publish({ exchange, phase, at: performance.now() } satisfies PhaseMark);
}
