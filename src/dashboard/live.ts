/**
 * The live feed: Server-Sent Events at `/_airlock/api/live`, fed in-process by `publish` for
 * each new audit event. Each event is serialized once for every subscriber. A subscriber that
 * stops reading is dropped once its unsent backlog passes a limit, so a stalled tab never grows
 * the gateway's memory; the browser's EventSource reconnects by itself. A stream whose session
 * ended (signed out, or past its 12 hours) is closed: at the sign-out, and at the next
 * heartbeat; its reconnection then meets the 401.
 *
 * A new stream starts with the events published just before it (`replay`): the page lists what
 * the store has, and the recorder writes in batches, so an event published before the stream
 * opened and stored after the page read the store was in neither, and never shown (a reconnect
 * after a gateway restart lost the first requests sent to the new process).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEvent } from '../audit/types.js';
import { sendJson } from './http.js';
import { summarize } from './view.js';

const HEARTBEAT_MS = 15_000;
const MAX_BACKLOG_BYTES = 1024 * 1024;

export interface LiveFeedOptions {
  maxSubscribers?: number;
  heartbeatMs?: number;
}

export class LiveFeed {
  /** Open streams, each with what says whether its request is still signed in. */
  private readonly subscribers = new Map<ServerResponse, () => boolean>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxSubscribers: number;

  constructor(options: LiveFeedOptions = {}) {
    this.maxSubscribers = options.maxSubscribers ?? 64;
    // A comment line keeps proxies and idle timers from closing a quiet stream.
    this.heartbeat = setInterval(() => {
      this.recheck();
      this.broadcast(': keep-alive\n\n');
    }, options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(
    req: IncomingMessage,
    res: ServerResponse,
    authorized: () => boolean = () => true,
    replay: readonly AuditEvent[] = [],
  ): void {
    if (this.subscribers.size >= this.maxSubscribers) {
      sendJson(res, 503, { error: 'too many live feed connections' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    // Tells EventSource how long to wait before reconnecting, and flushes the headers now; the
    // page drops what it already has by id.
    res.write(`retry: 2000\n\n${replay.map(frame).join('')}`);
    this.subscribers.set(res, authorized);
    const drop = () => this.subscribers.delete(res);
    req.on('close', drop);
    res.on('close', drop);
  }

  /** Closes the streams whose requests are no longer signed in (see the class comment). */
  recheck(): void {
    for (const [res, authorized] of this.subscribers) {
      if (authorized()) continue;
      this.subscribers.delete(res);
      res.end();
    }
  }

  publish(event: AuditEvent): void {
    if (this.subscribers.size === 0) return;
    this.broadcast(frame(event));
  }

  private broadcast(frame: string): void {
    for (const res of this.subscribers.keys()) {
      if (res.writableLength > MAX_BACKLOG_BYTES) {
        this.subscribers.delete(res);
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.subscribers.keys()) res.end();
    this.subscribers.clear();
  }
}

function frame(event: AuditEvent): string {
  // JSON.stringify escapes CR and LF, so the data line cannot break the event framing.
  return `id: ${event.id}\nevent: audit\ndata: ${JSON.stringify(summarize(event))}\n\n`;
}
