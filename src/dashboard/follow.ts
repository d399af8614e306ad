/**
 * Follows the audit store for the live feed. `publish` only sees the events this process
 * records; with several gateway processes (`--workers`, or gateways sharing a PostgreSQL
 * store) the others' events reach the feed by polling `store.changes()` while someone is
 * watching. Events already published in-process are skipped by id.
 */
import type { AuditEvent } from '../audit/types.js';
import type { DashboardStore } from './reader.js';

export interface StoreFollowerOptions {
  store: DashboardStore;
  intervalMs: number;
  /** True when the event was already sent to the feed (published in-process). */
  seen(id: string): boolean;
  deliver(event: AuditEvent): void;
  /** Whether anyone is watching; nothing is polled otherwise. */
  active(): boolean;
  onError?: (err: unknown) => void;
}

/** At most this many rows per poll; a burst beyond it is caught up over the next polls. */
const BATCH = 500;

export class StoreFollower {
  private cursor: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly o: StoreFollowerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs);
    this.timer.unref();
  }

  /** One poll; public for tests. Skips while a poll is running or nobody watches. */
  async poll(): Promise<void> {
    if (this.running) return;
    if (!this.o.active()) {
      // Start from "now" again when someone comes back, rather than replaying the gap.
      this.cursor = undefined;
      return;
    }
    this.running = true;
    try {
      if (this.cursor === undefined) {
        // The first poll only finds where the log ends: the page loads what came before.
        this.cursor = (await this.o.store.changes(undefined, 1)).cursor;
        return;
      }
      const { events, cursor } = await this.o.store.changes(this.cursor, BATCH);
      this.cursor = cursor;
      for (const event of events) if (!this.o.seen(event.id)) this.o.deliver(event);
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
