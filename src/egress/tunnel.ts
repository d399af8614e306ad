/**
 * Moving the bytes of an open tunnel, both ways, without looking at them.
 *
 * A net.Socket in stream mode allocates a fresh 64 KiB buffer for every read and passes each
 * chunk through the stream machinery; for a tunnel that is most of the proxy's cost per byte.
 * Sockets created with `onread` instead read into one reused buffer and hand it to a callback,
 * which writes it straight to the other side. node:net offers `onread` only to sockets it
 * creates for `connect()`, not to accepted ones, so both sockets of a tunnel are re-created
 * around their handles (`new Socket({ handle, onread })`, as node:net's server does for an
 * accepted handle) once nothing is in flight on them. Where that is not possible (a write
 * still queued, a socket already half-closed, a runtime without these internals) the tunnel
 * falls back to `pipe()`: the same bytes, at the stream machinery's cost.
 *
 * Flow control: a chunk is written from the read buffer itself, so while a write is queued the
 * buffer must not be read into again. The callback then stops reading (returns false) and the
 * writer's `drain` resumes it; the re-created sockets have a write high-water mark of 1 byte so
 * that every queued write ends with a `drain`. Reads start at 64 KiB and the buffer grows (up to
 * 1 MiB) while reads fill it, and shrinks back when they stop doing so: an idle or interactive
 * tunnel holds 128 KiB, a bulk transfer moves 1 MiB per read and write.
 */
import { Socket } from 'node:net';

const MIN_BUFFER = 64 * 1024;
const MAX_BUFFER = 1024 * 1024;

/**
 * Read buffers of closed tunnels, for the next ones: a fresh 64 KiB buffer per direction and
 * tunnel is garbage the collector has to chase (external memory), about a third of a short
 * tunnel's CPU time.
 */
const spare: Buffer[] = [];
const MAX_SPARE = 64;
const EMPTY = Buffer.alloc(0);
const takeBuffer = () => spare.pop() ?? Buffer.allocUnsafe(MIN_BUFFER);

/** The parts of node:net's internal stream handle (`TCPWrap`) used here. */
interface StreamHandle {
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

interface SocketInternals {
  _handle: StreamHandle | null;
  _readableState?: { ended?: boolean };
}

/** The socket's handle, when the socket can give it up: connected, open both ways, nothing queued. */
function detachableHandle(socket: Socket): StreamHandle | undefined {
  const internals = socket as unknown as SocketInternals;
  const handle = internals._handle;
  if (
    handle === null ||
    typeof handle !== 'object' ||
    typeof handle.readStop !== 'function' ||
    typeof handle.useUserBuffer !== 'function'
  ) {
    return undefined;
  }
  if (
    socket.connecting ||
    socket.destroyed ||
    !socket.readable ||
    !socket.writable ||
    socket.writableLength > 0 ||
    internals._readableState?.ended === true
  ) {
    return undefined;
  }
  return handle;
}

/** One direction's read buffer and callback: reads from `from()` are written to `to()`. */
function forwarder(from: () => Socket, to: () => Socket) {
  let buffer = takeBuffer();
  const resume = () => from().resume();
  return {
    buffer: () => buffer,
    /** After both sockets closed: nothing reads into the buffer or writes from it any more. */
    release(): void {
      if (buffer.length === MIN_BUFFER && spare.length < MAX_SPARE) spare.push(buffer);
      buffer = EMPTY;
    },
    callback(nread: number, buf: Uint8Array): boolean {
      const out = to();
      out.write(nread === buf.length ? buf : buf.subarray(0, nread));
      // The next read goes to the buffer returned by buffer() afterwards: size it for the traffic.
      if (nread === buffer.length) {
        if (buffer.length < MAX_BUFFER) buffer = Buffer.allocUnsafe(buffer.length * 4);
      } else if (buffer.length > MIN_BUFFER && nread <= buffer.length / 16) {
        buffer = takeBuffer();
      }
      if (out.writableLength === 0) return true;
      // The write still holds `buf`: read nothing into it until the write completed.
      out.once('drain', resume);
      return false;
    },
  };
}

/**
 * The socket re-created around `handle` with `onread`, paused, and what the old socket had
 * read but not yet delivered.
 */
function rewrap(
  old: Socket,
  handle: StreamHandle,
  onread: ReturnType<typeof forwarder>,
): { socket: Socket; unread: Buffer[] } {
  // The handle leaves first, so that reading out the old socket's buffer cannot restart it.
  (old as unknown as SocketInternals)._handle = null;
  const unread: Buffer[] = [];
  for (let chunk: unknown = old.read(); chunk !== null; chunk = old.read()) unread.push(chunk as Buffer);
  old.removeAllListeners();
  // Without a handle, destroy() only settles the old socket (and the server's connection count).
  old.on('error', () => {});
  old.destroy();
  const socket = new Socket({
    handle,
    onread,
    allowHalfOpen: true,
    writableHighWaterMark: 1,
    // Not reading until both sides are set up (node:net's own option for accepted handles).
    pauseOnCreate: true,
  } as ConstructorParameters<typeof Socket>[0]);
  return { socket, unread };
}

export interface SplicedTunnel {
  client: Socket;
  server: Socket;
  /** `buffers`: reused read buffers; `pipe`: the stream fallback. */
  mode: 'buffers' | 'pipe';
}

/**
 * Connects `client` and `server` both ways until either closes; half-closes pass through, an
 * error or close on either side ends both. The sockets may be replaced (see the file comment):
 * use the returned ones from here on. `onClose` runs once, when the tunnel is gone.
 */
export function splice(client: Socket, server: Socket, onClose: () => void): SplicedTunnel {
  const clientHandle = detachableHandle(client);
  const serverHandle = detachableHandle(server);
  let tunnel: SplicedTunnel;
  let release = () => {};
  if (clientHandle !== undefined && serverHandle !== undefined) {
    // The forwarders find the sockets here once both exist (nothing is read before resume()).
    const ends = {} as { client: Socket; server: Socket };
    const up = forwarder(
      () => ends.client,
      () => ends.server,
    );
    const down = forwarder(
      () => ends.server,
      () => ends.client,
    );
    const fromClient = rewrap(client, clientHandle, up);
    const fromServer = rewrap(server, serverHandle, down);
    const c = (ends.client = fromClient.socket);
    const s = (ends.server = fromServer.socket);
    for (const chunk of fromClient.unread) s.write(chunk);
    for (const chunk of fromServer.unread) c.write(chunk);
    c.on('end', () => s.end());
    s.on('end', () => c.end());
    tunnel = { client: c, server: s, mode: 'buffers' };
    release = () => {
      up.release();
      down.release();
    };
  } else {
    client.pipe(server);
    server.pipe(client);
    tunnel = { client, server, mode: 'pipe' };
  }
  let closed = false;
  const teardown = () => {
    tunnel.client.destroy();
    tunnel.server.destroy();
    if (!closed) {
      closed = true;
      // Both handles are closed now (destroy() closes them at once): the buffers are free.
      release();
      onClose();
    }
  };
  for (const socket of [tunnel.client, tunnel.server]) {
    socket.on('error', teardown);
    socket.on('close', teardown);
  }
  if (tunnel.mode === 'buffers') {
    tunnel.client.resume();
    tunnel.server.resume();
  }
  return tunnel;
}
