/**
 * Accepted client connections that read with `onread` from their first byte (see tunnel.ts for
 * why): node:net's server wraps each accepted handle in a stream-mode socket, which would have to
 * be re-created around its handle once a tunnel opens. Instead the proxy takes the accepted
 * handles itself (the listening handle's `onconnection`, what node:net's server sets there) and
 * wraps each one once, with `onread`. Where a runtime lacks these internals the proxy keeps
 * node:net's sockets and re-creates them at the tunnel (tunnel.ts), or falls back to `pipe()`.
 *
 * Until its reads have a consumer, a connection reads into one scratch buffer shared by all of
 * them: a read and its callback run in one go on the one JS thread, so a consumer that copies
 * what it keeps (the head parser does) never sees another connection's bytes.
 */
import { Socket, type Server } from 'node:net';
import type { ReadSink } from './tunnel.js';

const SCRATCH = Buffer.allocUnsafe(64 * 1024);

/** The parts of node:net's listening handle (`TCPWrap`) used here. */
interface ListenHandle {
  onconnection: (this: ListenHandle, err: number, client: AcceptedHandle | undefined) => void;
}

/** An accepted stream handle: what `new Socket({ handle, onread })` needs. */
export interface AcceptedHandle {
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  setNoDelay?(enable: boolean): number;
}

/** Where an onread-accepted connection's reads go now. */
export interface AcceptedReader {
  socket: Socket;
  /**
   * Reads are kept (copied, up to 64 KiB; then reading pauses) for whoever takes the socket
   * next: a CONNECT being dialled keeps reading, so no read has to be stopped and restarted.
   */
  hold(): void;
  /** Reads (and what was held) are pushed into the socket's readable side: 'data', pipe(), node:http. */
  toStream(): void;
  /** Reads (and what was held) are dropped: a refused client's remaining bytes. */
  drop(): void;
  /** Reads go to a tunnel forwarder (its buffer and callback); returns what was held, in order. */
  attach(sink: ReadSink): Buffer[];
}

/**
 * Makes the listening `server` hand every accepted handle to `onHandle` instead of wrapping it
 * in a stream-mode socket. False (and nothing changed) when the runtime's internals differ.
 */
export function takeAcceptedHandles(server: Server, onHandle: (handle: AcceptedHandle) => void): boolean {
  const listen = (server as unknown as { _handle?: ListenHandle | null })._handle;
  if (listen === null || listen === undefined || typeof listen.onconnection !== 'function') return false;
  const original = listen.onconnection;
  listen.onconnection = function onconnection(err, client) {
    if (err !== 0 || client === undefined || typeof client.useUserBuffer !== 'function') {
      // Errors, and handles this module cannot wrap, go the way node:net handles them.
      original.call(this, err, client);
      return;
    }
    client.setNoDelay?.(true);
    onHandle(client);
  };
  return true;
}

const MAX_HELD = 64 * 1024;
const NONE: Buffer[] = [];

/** Wraps an accepted handle with onread; reads go to `head(chunk)` (a view of scratch) first. */
export function wrapAccepted(handle: AcceptedHandle, head: (chunk: Buffer) => boolean): AcceptedReader {
  let sink: ReadSink | undefined;
  let mode: 'head' | 'hold' | 'stream' | 'drop' | 'sink' = 'head';
  let held: Buffer[] = NONE;
  let heldBytes = 0;
  const socket = new Socket({
    handle,
    allowHalfOpen: true,
    onread: {
      buffer: () => (sink === undefined ? SCRATCH : sink.buffer()),
      callback(nread: number, buf: Uint8Array): boolean {
        switch (mode) {
          case 'head':
            return head((buf as Buffer).subarray(0, nread));
          case 'sink':
            return sink!.callback(nread, buf);
          case 'hold':
            if (held === NONE) held = [];
            held.push(Buffer.from(buf.subarray(0, nread)));
            heldBytes += nread;
            return heldBytes < MAX_HELD;
          case 'stream':
            return socket.push(Buffer.from(buf.subarray(0, nread)));
          default:
            return true;
        }
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  const takeHeld = (): Buffer[] => {
    const out = held;
    held = NONE;
    heldBytes = 0;
    return out;
  };
  return {
    socket,
    hold: () => void (mode = 'hold'),
    toStream(): void {
      mode = 'stream';
      for (const chunk of takeHeld()) socket.push(chunk);
      // Held to the limit, reading paused: node:http or pipe() resumes it when they want more.
    },
    drop(): void {
      mode = 'drop';
      takeHeld();
    },
    attach(s: ReadSink): Buffer[] {
      sink = s;
      mode = 'sink';
      return takeHeld();
    },
  };
}
