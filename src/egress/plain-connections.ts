/**
 * The client connections node:http parses for the proxy (absolute-URI requests, `/healthz`,
 * garbage). Its server never listens (the proxy accepts connections itself, proxy.ts), and
 * node:http checks `headersTimeout` only from a server that listens: a request head that never
 * completes would hold its connection for good. So each connection here has a deadline while a
 * request head is awaited: from when the proxy handed it over, and again each time the requests
 * read so far are all answered (keep-alive), until the next head is complete.
 *
 * node:http also hands over a `CONNECT` (or an upgrade) the moment its head is parsed, even when
 * requests before it on the connection are not answered yet; its answer would go out first and
 * theirs into the tunnel. `leave` runs its handler once they are.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Connection {
  /** Set while a request head is awaited. */
  timer: NodeJS.Timeout | undefined;
  /** Requests whose heads were read and whose answers are not finished. */
  answering: number;
  /** What runs once nothing is being answered (node:http gave the connection up). */
  then: (() => void) | undefined;
}

export class PlainConnections {
  private readonly connections = new WeakMap<Socket, Connection>();

  constructor(
    private readonly headTimeoutMs: number,
    /** A head did not complete in time: answer 408 (the connection is forgotten). */
    private readonly onTimeout: (socket: Socket) => void,
  ) {}

  /** node:http takes `socket`, whose first head started at `since` (Date.now()). */
  add(socket: Socket, since: number): void {
    const connection: Connection = { timer: undefined, answering: 0, then: undefined };
    this.connections.set(socket, connection);
    socket.once('close', () => this.forget(socket));
    this.awaitHead(socket, connection, Math.max(0, since + this.headTimeoutMs - Date.now()));
  }

  /** A request's head is complete; `res` is its answer. */
  request(socket: Socket, res: ServerResponse): void {
    const connection = this.connections.get(socket);
    if (connection === undefined) return;
    clearTimeout(connection.timer);
    connection.timer = undefined;
    connection.answering++;
    res.once('close', () => {
      connection.answering--;
      if (connection.answering > 0) return;
      const then = connection.then;
      if (then !== undefined) {
        this.forget(socket);
        then();
      } else if (!socket.destroyed) {
        this.awaitHead(socket, connection, this.headTimeoutMs);
      }
    });
  }

  /**
   * node:http gave `socket` up after a head it does not answer itself (CONNECT, upgrade):
   * no more heads are awaited; `then` runs once the requests before it are answered.
   */
  leave(socket: Socket, then: () => void): void {
    const connection = this.connections.get(socket);
    if (connection === undefined || connection.answering === 0) {
      this.forget(socket);
      then();
      return;
    }
    clearTimeout(connection.timer);
    connection.timer = undefined;
    connection.then = then;
  }

  /** The connection is answered otherwise (a parse error) or gone: no deadline any more. */
  forget(socket: Socket): void {
    const connection = this.connections.get(socket);
    if (connection === undefined) return;
    clearTimeout(connection.timer);
    this.connections.delete(socket);
  }

  private awaitHead(socket: Socket, connection: Connection, ms: number): void {
    connection.timer = setTimeout(() => {
      this.forget(socket);
      this.onTimeout(socket);
    }, ms);
    connection.timer.unref();
  }
}
