/**
 * The egress proxy's bound on client connections (`egress_proxy.max_connections`). The proxy
 * takes accepted handles itself (accept.ts), which node:net's `server.maxConnections` never sees,
 * so it counts them here, on both ways in: handles it takes, and node:net's sockets (the
 * fallback). A connection past the bound is closed as soon as it is accepted, before any byte of
 * it is read, as node:net's own bound does.
 *
 * A connection is counted from its acceptance until its TCP handle is closed, whatever holds the
 * handle by then: the head reader, an AcceptedClient, a net.Socket (re-created around the handle
 * for a tunnel, tunnel.ts), a HandleTunnel. Every one of them ends with the handle's `close()`,
 * so that is where the count is given back, once: a socket re-created around a handle, or one
 * given up without it, emits 'close' while the connection goes on.
 */
import type { Socket } from 'node:net';
import { minuteBound } from '../minute-bound.js';

/** What closes a connection: an accepted TCP handle (node's TCPWrap). */
interface Closable {
  close(callback?: () => void): void;
}

/** Log lines a minute for connections refused past the bound; the metric counts every one. */
const REFUSED_LINES_PER_MINUTE = 1;

export interface ConnectionStats {
  /** Client connections open (at most egress_proxy.max_connections). */
  clientConnections: number;
  /** Client connections closed as soon as accepted, the proxy holding the bound. */
  connectionsRefused: number;
}

export class ConnectionBound {
  private open = 0;
  private refused = 0;
  private readonly logBound = minuteBound(REFUSED_LINES_PER_MINUTE);

  constructor(
    readonly max: number,
    private readonly warn: (message: string, code: string) => void,
  ) {}

  /**
   * Counts an accepted handle, given back when it is closed; false (nothing counted, the
   * refusal is) when the bound is reached: the caller closes it.
   */
  admitHandle(handle: Closable): boolean {
    if (!this.take()) return false;
    const close = handle.close;
    let released = false;
    // An own property in front of the prototype's: every holder calls `handle.close()`.
    handle.close = (callback?: () => void) => {
      if (!released) {
        released = true;
        this.open--;
      }
      close.call(handle, callback);
    };
    return true;
  }

  /** A connection node:net wrapped: its handle is counted, or the socket itself without one. */
  admitSocket(socket: Socket): boolean {
    const handle = (socket as unknown as { _handle?: Closable | null })._handle;
    if (handle !== null && handle !== undefined && typeof handle.close === 'function')
      return this.admitHandle(handle);
    if (!this.take()) return false;
    socket.once('close', () => this.open--);
    return true;
  }

  stats(): ConnectionStats {
    return { clientConnections: this.open, connectionsRefused: this.refused };
  }

  private take(): boolean {
    if (this.open < this.max) {
      this.open++;
      return true;
    }
    this.refused++;
    if (this.logBound() === 'take')
      this.warn(
        `Airlock egress proxy: a client connection was closed as soon as accepted: ${this.max} are open ` +
          `(egress_proxy.max_connections); the rest of this minute are only counted ` +
          `(airlock_egress_connections_refused_total on the gateway's /metrics; ${this.refused} so far)`,
        'AIRLOCK_EGRESS_CONNECTIONS_FULL',
      );
    return false;
  }
}
