/**
 * The proxy's own answers: complete, short, plain-text, `Connection: close`. CONNECT requests and
 * unparseable heads have only a raw socket, absolute-URI requests a ServerResponse.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * A complete plain-text HTTP answer with `Connection: close`, as bytes for a raw connection;
 * `extraHeaders` are whole lines without their CRLF (`Retry-After: 2`).
 */
export function rawAnswer(status: number, message: string, extraHeaders: readonly string[] = []): Buffer {
  const body = `${message}\n`;
  const extra = extraHeaders.map((line) => `${line}\r\n`).join('');
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/** Writes a complete plain-text HTTP answer on a raw socket (CONNECT and parse errors have no `res`). */
export function answerRaw(socket: Duplex, status: number, message: string): void {
  answerRawBytes(socket, rawAnswer(status, message));
}

/** Writes an answer made by rawAnswer on a raw socket, then closes it as answerRaw does. */
export function answerRawBytes(socket: Duplex, answer: Buffer): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(answer);
  // What the client still sends is read and dropped: closing with unread bytes would reset the
  // connection, and the client could lose the answer. A client that never closes is cut off.
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** How long a refused client may take to close after the answer. */
export const LINGER_MS = 10_000;

export function answerPlain(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}
