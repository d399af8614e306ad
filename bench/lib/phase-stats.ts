/**
 * Where an exchange's time goes inside a gateway process: the gateway's step marks
 * (src/gateway/phases.ts, a diagnostics channel) collected in the benchmark's server process
 * and reduced to medians per step, in microseconds. Asked for over the fork's IPC channel
 * (bench/lib/servers.ts `phases`).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { PHASE_CHANNEL, type PhaseMark } from '../../src/gateway/phases.js';
import { percentile } from './stats.js';

/** A step's median and 90th percentile over the exchanges that passed it, in µs. */
export interface StepTime {
  step: string;
  p50: number;
  p90: number;
  n: number;
}

export class PhaseStats {
  private readonly open = new Map<string, PhaseMark[]>();
  private readonly steps = new Map<string, number[]>();

  private readonly listener = (message: unknown): void => this.mark(message as PhaseMark);

  constructor() {
    subscribe(PHASE_CHANNEL, this.listener);
  }

  /**
   * Stops collecting: the gateway's marks then cost one check each, as when nobody listens (for
   * the throughput phase, which does not use them and would count their cost against Airlock).
   */
  stop(): void {
    unsubscribe(PHASE_CHANNEL, this.listener);
    this.reset();
  }

  private mark(m: PhaseMark): void {
    let marks = this.open.get(m.exchange);
    if (marks === undefined) this.open.set(m.exchange, (marks = []));
    marks.push(m);
    if (m.phase !== 'finished') return;
    this.open.delete(m.exchange);
    for (let i = 1; i < marks.length; i++)
      this.add(`${marks[i - 1]!.phase} → ${marks[i]!.phase}`, marks[i - 1]!, marks[i]!);
    this.add('whole exchange', marks[0]!, m);
  }

  private add(step: string, from: PhaseMark, to: PhaseMark): void {
    let times = this.steps.get(step);
    if (times === undefined) this.steps.set(step, (times = []));
    times.push((to.at - from.at) * 1000);
  }

  /** Forgets what was collected (between benchmark cases). */
  reset(): void {
    this.open.clear();
    this.steps.clear();
  }

  /** Steps in the order they were first seen; the whole exchange last. */
  summary(): StepTime[] {
    return [...this.steps].map(([step, times]) => ({
      step,
      p50: percentile(times, 50),
      p90: percentile(times, 90),
      n: times.length,
    }));
  }
}
