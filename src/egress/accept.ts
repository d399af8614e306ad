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
import { peerAddress, readResult, shutdownHandle, UV_EOF, writeHandle, type RawHandle } from './handles.js';
import { LINGER_MS } from './respond.js';

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
  close(callback?: () => void): void;
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

/**
 * An accepted connection read on its handle (handles.ts) until its first bytes show whether it
 * takes the fast path: a complete CONNECT head, allowed, straight to its destination. Anything
 * else becomes a net.Socket (`toSocket`) and takes the proxy's socket paths with those bytes.
 */
export class AcceptedClient {
  /** When it was accepted (Date.now()): a head must be complete within the proxy's head timeout. */
  readonly since = Date.now();
  /** From the CONNECT head, for the event (the client is its own ClientInfo: one object fewer). */
  userAgent: string | undefined = undefined;
  /** `head`: reads go to `onHead`; `hold`: kept for the tunnel being dialled; `drop`: refused. */
  private mode: 'head' | 'hold' | 'drop' | 'socket' = 'head';
  private held: Buffer[] = NONE;
  private heldBytes = 0;
  /** The client's FIN arrived after its head. */
  ended = false;
  private closed = false;
  private knownAddress: string | undefined;
  private onFail: (() => void) | undefined;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    readonly handle: RawHandle,
    private readonly onHead: (chunk: Buffer) => void,
    /** The connection ended or failed before its head was read: it is closed, without an answer. */
    private readonly onGone: () => void,
  ) {
    handle.useUserBuffer(SCRATCH);
    const read = () => this.read();
    handle.onread = function onClientRead() {
      read();
      return undefined;
    };
    handle.readStart();
  }

  private read(): void {
    const nread = readResult();
    // 0: libuv read again after a read that filled the buffer and found nothing (EAGAIN).
    if (nread === 0) return;
    switch (this.mode) {
      case 'head':
        if (nread > 0) {
          this.onHead(SCRATCH.subarray(0, nread));
        } else {
          this.close();
          this.onGone();
        }
        return;
      case 'hold':
        if (nread > 0) {
          if (this.held === NONE) this.held = [];
          this.held.push(Buffer.from(SCRATCH.subarray(0, nread)));
          this.heldBytes += nread;
          if (this.heldBytes >= MAX_HELD) this.handle.readStop();
        } else if (nread === UV_EOF) {
          this.ended = true;
        } else {
          this.onFail?.();
        }
        return;
      case 'drop':
        if (nread < 0) this.close();
        return;
      default:
    }
  }

  /** The head is read: what arrives next is kept (`first` goes in front); `onFail` on a reset. */
  hold(first: Buffer, onFail: () => void): void {
    this.mode = 'hold';
    this.onFail = onFail;
    if (first.length > 0) {
      this.held = [first];
      this.heldBytes = first.length;
    }
  }

  /** What was kept, in order; from here the tunnel reads the handle. */
  takeHeld(): Buffer[] {
    const out = this.held;
    this.held = NONE;
    this.heldBytes = 0;
    this.mode = 'socket';
    return out;
  }

  /** The peer's address, read once (a system call, asked for when the event is made). */
  peer(): string {
    this.knownAddress ??= this.closed ? '' : peerAddress(this.handle);
    return this.knownAddress;
  }

  get address(): string {
    return this.peer();
  }

  /**
   * Answers and closes, like respond.ts's answerRaw: what the client still sends is read and
   * dropped until it closes, or for LINGER_MS.
   */
  answer(bytes: Buffer): void {
    this.peer();
    this.mode = 'drop';
    this.held = NONE;
    if (writeHandle(this.handle, bytes) < 0) {
      this.close();
      return;
    }
    const err = shutdownHandle(this.handle, () => {
      if (this.ended) this.close();
    });
    if (err !== 0) {
      this.close();
      return;
    }
    if (this.ended) return;
    this.handle.readStart();
    this.linger = setTimeout(() => this.close(), LINGER_MS);
    this.linger.unref();
  }

  /** Runs once the connection is closed (by `close`). */
  afterClose: (() => void) | undefined;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.linger !== undefined) clearTimeout(this.linger);
    this.handle.close();
    this.afterClose?.();
  }

  /** For the proxy's set of open connections, which it destroys when it closes. */
  destroy(): void {
    this.close();
  }

  /**
   * The connection as a net.Socket that reads with onread (wrapAccepted), for the socket paths;
   * only while the head is being read (nothing held, no FIN seen).
   */
  toSocket(head: (chunk: Buffer) => boolean): AcceptedReader {
    this.mode = 'socket';
    this.handle.readStop();
    return wrapAccepted(this.handle as unknown as AcceptedHandle, head);
  }
}
