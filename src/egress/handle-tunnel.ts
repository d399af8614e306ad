/**
 * A tunnel on two TCP handles (handles.ts): each direction reads into its own reused buffer and
 * writes it to the other handle, stops reading while a write is queued and resumes when it
 * completed; a FIN is passed on as a shutdown once the queued bytes are out; an error on either
 * side closes both. The same flow as tunnel.ts's sockets with `onread`, without the sockets.
 */
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { connectHandle, readResult, shutdownHandle, UV_EOF, writeHandle, type RawHandle } from './handles.js';
import { adoptHandle, nextBuffer, releaseBuffer, takeBuffer } from './tunnel.js';
import { dial, UpstreamConnectError } from './upstream.js';
import { formatAuthority } from './host-pattern.js';

const EMPTY = Buffer.alloc(0);

/** One direction of a tunnel: what `from` reads is written to `to`. */
class Direction {
  buffer = takeBuffer();
  /** A write is queued: reading is stopped until it completed. */
  private waiting = false;
  /** `from` sent its FIN (passed on to `to` as a shutdown). */
  ended = false;
  private readonly written: (status: number) => void;
  private readonly onread: () => Buffer | undefined;

  /** The other direction (its `from` is this one's `to`). */
  other: Direction | undefined;

  constructor(
    private readonly tunnel: HandleTunnel,
    readonly from: RawHandle,
    readonly to: RawHandle,
  ) {
    this.written = (status) => {
      if (status < 0) {
        tunnel.destroy();
      } else if (this.waiting) {
        this.waiting = false;
        if (!tunnel.destroyed) this.from.readStart();
      }
    };
    this.onread = () => this.read();
  }

  start(): void {
    this.from.useUserBuffer(this.buffer);
    const onread = this.onread;
    this.from.onread = function onTunnelRead() {
      return onread();
    };
    this.from.readStart();
  }

  /** `from` sent its FIN (or had before the tunnel opened): pass it on. */
  endNow(): void {
    this.ended = true;
    if (this.other?.ended === true && this.to.writeQueueSize === 0) {
      // `to` ended too and nothing is queued for it: closing sends the FIN (after whatever the
      // kernel still holds), without a shutdown first.
      this.tunnel.destroy();
      return;
    }
    this.tunnel.shutdown(this.to);
  }

  private read(): Buffer | undefined {
    const nread = readResult();
    if (nread > 0) {
      const buf = this.buffer;
      const queued = writeHandle(this.to, nread === buf.length ? buf : buf.subarray(0, nread), this.written);
      if (queued < 0) {
        this.tunnel.destroy();
        return undefined;
      }
      if (queued === 1) {
        // The write still holds `buf`: nothing is read until it completed.
        this.waiting = true;
        this.from.readStop();
      }
      const next = nextBuffer(buf, nread);
      if (next === undefined) return undefined;
      this.buffer = next;
      return next;
    }
    // 0: libuv read again after a read that filled the buffer and found nothing (EAGAIN).
    if (nread === 0) return undefined;
    if (nread === UV_EOF) {
      this.tunnel.ending();
      this.endNow();
      return undefined;
    }
    this.tunnel.destroy();
    return undefined;
  }

  release(): void {
    releaseBuffer(this.buffer);
    this.buffer = EMPTY;
  }
}

/**
 * One CONNECT tunnel on handles, tracked from the moment the CONNECT was accepted for dialling
 * (so that closing the proxy also ends it while it dials). `onClose` runs once, when it is gone.
 */
export class HandleTunnel {
  destroyed = false;
  private server: RawHandle | undefined;
  /** While dialling a host name: the socket node:net dials with. */
  dialling: Socket | undefined;
  private up: Direction | undefined;
  private down: Direction | undefined;
  private pendingShutdowns = 0;

  constructor(
    private readonly client: RawHandle,
    private readonly onClose: () => void,
  ) {}

  /** The connection to the destination, while it is being made (closed if the tunnel ends first). */
  setServer(server: RawHandle | undefined): void {
    this.server = server;
  }

  /**
   * Starts moving bytes. `held`: what the client sent after its head (written first);
   * `clientEnded`: the client's FIN arrived meanwhile.
   */
  open(server: RawHandle, held: readonly Buffer[], clientEnded: boolean): void {
    this.server = server;
    const up = (this.up = new Direction(this, this.client, server));
    const down = (this.down = new Direction(this, server, this.client));
    up.other = down;
    down.other = up;
    for (const chunk of held) {
      if (writeHandle(server, chunk) < 0) {
        this.destroy();
        return;
      }
    }
    if (clientEnded) up.endNow();
    else up.start();
    down.start();
  }

  shutdown(handle: RawHandle): void {
    this.pendingShutdowns++;
    const err = shutdownHandle(handle, () => {
      this.pendingShutdowns--;
      this.closeIfDone();
    });
    if (err !== 0) this.destroy();
  }

  /** Both sides sent FIN and both were passed on: nothing is left to move. */
  private closeIfDone(): void {
    if (this.up?.ended === true && this.down?.ended === true && this.pendingShutdowns === 0) this.destroy();
  }

  /**
   * Runs once, when either side first ends or fails, before anything is shut down or closed:
   * the proxy reads the client's address for its event then (not after, when the kernel no
   * longer has it, nor before the answer, where it would cost a system call).
   */
  beforeEnd: (() => void) | undefined;

  ending(): void {
    const hook = this.beforeEnd;
    this.beforeEnd = undefined;
    hook?.();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ending();
    this.client.close();
    this.server?.close();
    this.dialling?.destroy();
    // The handles are closed: nothing reads into the buffers or writes from them any more.
    this.up?.release();
    this.down?.release();
    this.onClose();
  }
}

/** Where a dial ends: the connected handle and what was read from it already, or why it failed. */
export type HandleDialled = (
  err: UpstreamConnectError | undefined,
  handle: RawHandle | undefined,
  unread: readonly Buffer[],
) => void;

const NONE: readonly Buffer[] = [];

/**
 * Dials in progress on handles, each with the time it gives up: one interval checks them all
 * (a timer per dial cost a timer list created and dropped per tunnel). It stops itself once no
 * dial is left; timeouts fire up to DIAL_SWEEP_MS late.
 */
const dials = new Map<() => void, number>();
const DIAL_SWEEP_MS = 50;
let dialSweep: NodeJS.Timeout | undefined;

function startDialSweep(): NodeJS.Timeout {
  const sweep = setInterval(() => {
    if (dials.size === 0) {
      clearInterval(sweep);
      dialSweep = undefined;
      return;
    }
    const now = Date.now();
    for (const [timeout, deadline] of dials) {
      if (now < deadline) continue;
      dials.delete(timeout);
      timeout();
    }
  }, DIAL_SWEEP_MS);
  // A dial's handle keeps the process alive; the sweep itself does not.
  sweep.unref();
  return sweep;
}

/**
 * Connects `tunnel`'s destination on a handle: an IP address directly, a host name through
 * node:net (its lookup and address selection), whose handle is then taken over. `done` is
 * called once, unless the tunnel was destroyed meanwhile.
 */
export function dialHandle(
  tunnel: HandleTunnel,
  host: string,
  port: number,
  timeoutMs: number,
  /** For a host name: the lookup to resolve it with (host-local.ts); node:dns's by default. */
  lookup: LookupFunction | undefined,
  done: HandleDialled,
): void {
  const family = isIP(host);
  if (family === 0) {
    tunnel.dialling = dial(
      host,
      port,
      timeoutMs,
      undefined,
      (err, socket) => {
        tunnel.dialling = undefined;
        if (tunnel.destroyed) {
          socket.destroy();
          return;
        }
        if (err !== undefined) {
          done(err, undefined, NONE);
          return;
        }
        const adopted = adoptHandle(socket);
        if (adopted === undefined) {
          socket.destroy();
          done(
            new UpstreamConnectError(
              `connect to ${formatAuthority({ host, port })} failed: ENOTSUP`,
              'ENOTSUP',
              502,
            ),
            undefined,
            NONE,
          );
          return;
        }
        done(undefined, adopted.handle as RawHandle, adopted.unread);
      },
      lookup,
    );
    return;
  }
  let settled = false;
  const timeout = (): void => {
    settled = true;
    if (tunnel.destroyed) return;
    handle.close();
    tunnel.setServer(undefined);
    done(
      new UpstreamConnectError(`connect to ${formatAuthority({ host, port })} timed out`, 'ETIMEDOUT', 504),
      undefined,
      NONE,
    );
  };
  dials.set(timeout, Date.now() + timeoutMs);
  dialSweep ??= startDialSweep();
  const handle = connectHandle(host, family === 6 ? 6 : 4, port, (status, connected) => {
    // A handle closed for the timeout or with the tunnel completes its connect as cancelled.
    if (settled) return;
    settled = true;
    dials.delete(timeout);
    if (tunnel.destroyed) return;
    if (status === 0) {
      done(undefined, connected, NONE);
      return;
    }
    connected.close();
    tunnel.setServer(undefined);
    const code = getSystemErrorName(status);
    done(
      new UpstreamConnectError(`connect to ${formatAuthority({ host, port })} failed: ${code}`, code, 502),
      undefined,
      NONE,
    );
  });
  tunnel.setServer(handle);
}
