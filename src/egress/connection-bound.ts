/**
 * The egress proxy's bound on client connections (`egress_proxy.max_connections`). The proxy
 * takes accepted handles itself (accept.ts), which node:net's `server.maxConnections` never sees,
 * so it counts them here, on both ways in: handles it takes, and node:net's sockets (the
 * fallback). Past the bound a few more (the reserve, connection-reserve.ts, as the gateway's) are
 * accepted only to answer their first request 503 with `Retry-After` and close, unless one of the
 * served closed before it came; a connection past those too is closed as soon as it is accepted,
 * before any byte of it is read, as node:net's own bound does.
 *
 * A connection is counted from its acceptance until its TCP handle is closed, whatever holds the
 * handle by then: the head reader, an AcceptedClient, a net.Socket (re-created around the handle
 * for a tunnel, tunnel.ts), a HandleTunnel. Every one of them ends with the handle's `close()`,
 * so that is where the count is given back, once: a socket re-created around a handle, or one
 * given up without it, emits 'close' while the connection goes on.
 */
import type { Socket } from 'node:net';
import { minuteBound } from '../minute-bound.js';
import { connectionReserve } from '../connection-reserve.js';

/** What closes a connection: an accepted TCP handle (node's TCPWrap). */
interface Closable {
  close(callback?: () => void): void;
}

/** Log lines a minute for connections refused or answered full; the metrics count every one. */
const REFUSED_LINES_PER_MINUTE = 1;

export interface ConnectionStats {
  /** Client connections open (egress_proxy.max_connections served, and the reserve). */
  clientConnections: number;
  /** Client connections closed as soon as accepted, the served and the reserve all taken. */
  connectionsRefused: number;
  /** Reserve connections answered 503 and closed, egress_proxy.max_connections being served. */
  connectionsFull: number;
}

/**
 * What becomes of an accepted connection: served; in the reserve (its first bytes are answered
 * 503 unless `leaveReserve` finds a place by then); refused (nothing counted but the refusal:
 * the caller closes it).
 */
export type Admission = 'serve' | 'reserve' | 'refuse';

export class ConnectionBound {
  private open = 0;
  private refused = 0;
  private answeredFull = 0;
  /** Open connections in the reserve: `open - reserved` are served. */
  private reserved = 0;
  /** Their keys (the handle, or the socket without one), until they leave it or close. */
  private readonly inReserve = new WeakSet<object>();
  /** Connections accepted past `max` only to be answered 503. */
  readonly reserve: number;
  private readonly refusedLog = minuteBound(REFUSED_LINES_PER_MINUTE);
  private readonly fullLog = minuteBound(REFUSED_LINES_PER_MINUTE);

  constructor(
    readonly max: number,
    private readonly warn: (message: string, code: string) => void,
  ) {
    this.reserve = connectionReserve(max);
  }

  /** Counts an accepted handle, given back when it is closed (see Admission). */
  admitHandle(handle: Closable): Admission {
    const admission = this.take(handle);
    if (admission === 'refuse') return admission;
    const close = handle.close;
    let released = false;
    // An own property in front of the prototype's: every holder calls `handle.close()`.
    handle.close = (callback?: () => void) => {
      if (!released) {
        released = true;
        this.release(handle);
      }
      close.call(handle, callback);
    };
    return admission;
  }

  /** A connection node:net wrapped: its handle is counted, or the socket itself without one. */
  admitSocket(socket: Socket): Admission {
    const handle = handleOf(socket);
    if (handle !== undefined) return this.admitHandle(handle);
    const admission = this.take(socket);
    if (admission !== 'refuse') socket.once('close', () => this.release(socket));
    return admission;
  }

  /**
   * A reserve connection's first bytes arrived: true (it is served from now on) when one of the
   * served closed meanwhile; false, and it is counted as answered 503, when all are still taken.
   * `key` is the handle admitted, or the socket (admitSocket).
   */
  leaveReserve(key: Closable | Socket): boolean {
    const k = handleOf(key as Socket) ?? key;
    if (this.open - this.reserved < this.max) {
      if (this.inReserve.delete(k)) this.reserved--;
      return true;
    }
    this.answeredFull++;
    if (this.fullLog() === 'take')
      this.warn(
        `Airlock egress proxy: a request was answered 503: ${this.max} client connections are served ` +
          `(egress_proxy.max_connections); the rest of this minute are only counted ` +
          `(airlock_egress_connections_full_total on the gateway's /metrics; ${this.answeredFull} so far)`,
        'AIRLOCK_EGRESS_CONNECTIONS_FULL',
      );
    return false;
  }

  stats(): ConnectionStats {
    return {
      clientConnections: this.open,
      connectionsRefused: this.refused,
      connectionsFull: this.answeredFull,
    };
  }

  private take(key: object): Admission {
    if (this.open - this.reserved < this.max) {
      this.open++;
      return 'serve';
    }
    if (this.reserved < this.reserve) {
      this.open++;
      this.reserved++;
      this.inReserve.add(key);
      return 'reserve';
    }
    this.refused++;
    if (this.refusedLog() === 'take')
      this.warn(
        `Airlock egress proxy: a client connection was closed as soon as accepted: ${this.max} are served ` +
          `(egress_proxy.max_connections) and ${this.reserve} more answered 503; the rest of this minute are only ` +
          `counted (airlock_egress_connections_refused_total on the gateway's /metrics; ${this.refused} so far)`,
        'AIRLOCK_EGRESS_CONNECTIONS_FULL',
      );
    return 'refuse';
  }

  private release(key: object): void {
    this.open--;
    if (this.reserved > 0 && this.inReserve.delete(key)) this.reserved--;
  }
}

/** The TCP handle node:net wrapped, if it still has one. */
function handleOf(socket: Socket): Closable | undefined {
  const handle = (socket as unknown as { _handle?: Closable | null })._handle;
  return handle !== null && handle !== undefined && typeof handle.close === 'function' ? handle : undefined;
}
