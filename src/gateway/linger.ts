/**
 * Closing a connection whose request body is still arriving when the gateway has answered (a
 * body over limits.max_body, a request refused before its body is read). Closed at once, the
 * client's unread bytes make the kernel reset the connection, and a client that writes its whole
 * body before it reads (Python's urllib, curl without `Expect`) sees EPIPE or ECONNRESET instead
 * of the answer, which a reset may also discard from its receive buffer. So the answer says
 * `connection: close`, the gateway stops writing (FIN) once it is out, and keeps reading and
 * dropping what the client still sends, within bounds, before it closes: nginx's lingering close.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** What the gateway reads and drops after its answer, at most: a few times the default limit. */
export const LINGER_BYTES = 128 * 1024 * 1024;
/** How long it keeps reading after its answer, at most (nginx's lingering_time is 30 s). */
export const LINGER_MS = 30_000;
/** How long it waits for the client's next bytes (nginx's lingering_timeout is 5 s). */
export const LINGER_IDLE_MS = 5_000;

/** The request declares a body and not all of it has been read. */
export function bodyStillComing(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const arranged = new WeakSet<ServerResponse>();

/**
 * The headers to add to an answer sent to `res` before its request's body is in, and the
 * lingering close set up for after it; none when the body is in (or there is none).
 */
export function closeAfterAnswer(res: ServerResponse): Record<string, string> {
  const { req } = res;
  const socket = res.socket;
  if (!bodyStillComing(req) || socket === null) return {};
  // Asked twice for one answer (sendError through lingerOnEarlyAnswer's writeHead): set up once.
  if (arranged.has(res)) return { connection: 'close' };
  arranged.add(res);
  // Flowing from now on, so that node:http does not set it aside unread (req._dump) once the
  // answer is out: what arrives is then counted (see linger).
  req.resume();
  // node:http ends a connection after an answer with `connection: close` by calling this
  // (resOnFinish: socket.destroySoon()), which destroys the socket, its unread bytes with it,
  // once the answer is flushed.
  const close = socket as Socket & { destroySoon(): void };
  const destroySoon = close.destroySoon.bind(close);
  close.destroySoon = () => {
    if (req.complete) destroySoon();
    else linger(socket, req);
  };
  return { connection: 'close' };
}

/**
 * For a route of another part (/metrics, the dashboard) that writes its own answers: one written
 * before the request's body is in (a 405, a 401, a 403 to a POST it never reads) gets the same
 * lingering close as the gateway's own refusals. Their writeHead is where that is known: the
 * answer's status and whether the route read the body are its own.
 */
export function lingerOnEarlyAnswer(res: ServerResponse): void {
  if (!bodyStillComing(res.req)) return;
  const writeHead = res.writeHead;
  // res.end() without a writeHead goes through this one as well (ServerResponse._implicitHeader).
  res.writeHead = function writeHeadThenLinger(this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent)
      for (const [name, value] of Object.entries(closeAfterAnswer(this))) this.setHeader(name, value);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

/** Ends the writing side, then reads and drops the rest of `req` within the bounds above. */
function linger(socket: Socket, req: IncomingMessage): void {
  socket.end();
  const arrived = closeWithinBounds(socket);
  // The parser still hands the body over; taken as it comes, the socket is never paused.
  req.on('data', arrived);
  req.resume();
}

/**
 * Closes `socket`, answered and still being read from, once the client sent LINGER_BYTES more,
 * fell silent for LINGER_IDLE_MS, or LINGER_MS passed, whichever comes first; the client
 * closing it first ends it sooner. Returns what to call whenever more of its bytes arrived.
 */
export function closeWithinBounds(socket: Duplex): () => void {
  const net = socket as Partial<Socket>;
  const read = (): number => net.bytesRead ?? 0;
  const from = read();
  const cut = (): void => {
    socket.destroy();
  };
  const deadline = setTimeout(cut, LINGER_MS);
  deadline.unref();
  net.setTimeout?.(LINGER_IDLE_MS, cut);
  socket.once('close', () => clearTimeout(deadline));
  return () => {
    if (read() - from > LINGER_BYTES) cut();
  };
}
