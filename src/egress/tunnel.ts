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
 * buffer must not be read into again. The callback then stops reading (returns false), and the
 * callback of the write resumes it once the writer's queue is empty (`drain` would not come
 * for a queue below the high-water mark). Reads start at 64 KiB and the buffer grows (up to
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
export const takeBuffer = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(MIN_BUFFER);
/** A read buffer nothing reads into or writes from any more, for the next tunnel. */
export function releaseBuffer(buffer: Buffer): void {
  if (buffer.length === MIN_BUFFER && spare.length < MAX_SPARE) spare.push(buffer);
}

/**
 * The size of the next read buffer after a read of `nread` into `buffer`: grown while reads fill
 * it, back to the small one when they stop doing so; undefined to keep it.
 */
export function nextBuffer(buffer: Buffer, nread: number): Buffer | undefined {
  if (nread === buffer.length)
    return buffer.length < MAX_BUFFER ? Buffer.allocUnsafe(buffer.length * 4) : undefined;
  return buffer.length > MIN_BUFFER && nread <= buffer.length / 16 ? takeBuffer() : undefined;
}

/** The parts of node:net's internal stream handle (`TCPWrap`) used here. */
interface StreamHandle {
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

interface SocketInternals {
  _handle: StreamHandle | null;
  _readableState?: { ended?: boolean };
}

/**
 * Whether this runtime's stream handles read into caller buffers (`onread`): checked on a
 * connected socket's handle, whose prototype the proxy's outgoing sockets share. Without it
 * tunnels fall back to pipe(), and their events say so.
 */
export function readsIntoBuffers(socket: Socket): boolean {
  const handle = (socket as unknown as SocketInternals)._handle;
  return (
    handle !== null &&
    typeof handle === 'object' &&
    typeof handle.useUserBuffer === 'function' &&
    typeof handle.readStop === 'function'
  );
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

type Forwarder = ReturnType<typeof forwarder>;

/** What a socket created with `onread` reads into and calls: a forwarder's buffer and callback. */
export interface ReadSink {
  buffer(): Buffer;
  callback(nread: number, buf: Uint8Array): boolean;
}

/**
 * Client sockets that read with `onread` since they were accepted (accept.ts): a tunnel points
 * their reads at its forwarder instead of re-creating them.
 */
export const onreadClients = new WeakMap<
  Socket,
  { attach(sink: ReadSink): Buffer[]; toStream(): void; drop(): void }
>();

/** One direction's read buffer and callback: reads from `from()` are written to `to()`. */
function forwarder(from: () => Socket, to: () => Socket) {
  let buffer = takeBuffer();
  let waiting = false;
  /** Every write's callback: once the queue is empty, reading goes on. */
  const written = () => {
    if (waiting && to().writableLength === 0) {
      waiting = false;
      from().resume();
    }
  };
  return {
    buffer: () => buffer,
    /** After both sockets closed: nothing reads into the buffer or writes from it any more. */
    release(): void {
      releaseBuffer(buffer);
      buffer = EMPTY;
    },
    callback(nread: number, buf: Uint8Array): boolean {
      const out = to();
      if (buf !== buffer) {
        // The first read after an accepted client was attached went to the shared scratch
        // buffer (accept.ts): it is reused at once, so this write gets a copy.
        out.write(Buffer.from(buf.subarray(0, nread)), written);
        if (out.writableLength === 0) return true;
        waiting = true;
        return false;
      }
      out.write(nread === buf.length ? buf : buf.subarray(0, nread), written);
      // The next read goes to the buffer returned by buffer() afterwards: size it for the traffic.
      buffer = nextBuffer(buffer, nread) ?? buffer;
      if (out.writableLength === 0) return true;
      // The write still holds `buf`: read nothing into it until the write completed.
      waiting = true;
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
  const unread = release(old);
  const socket = new Socket({
    handle,
    onread,
    allowHalfOpen: true,
    // Not reading until both sides are set up (node:net's own option for accepted handles).
    pauseOnCreate: true,
  } as ConstructorParameters<typeof Socket>[0]);
  return { socket, unread };
}

/** Takes `handle` from `old` (which is destroyed) and returns what `old` had read but not delivered. */
function release(old: Socket): Buffer[] {
  // The handle leaves first, so that reading out the old socket's buffer cannot restart it.
  (old as unknown as SocketInternals)._handle = null;
  const unread: Buffer[] = [];
  for (let chunk: unknown = old.read(); chunk !== null; chunk = old.read()) unread.push(chunk as Buffer);
  old.removeAllListeners();
  // Without a handle, destroy() only settles the old socket (and the server's connection count).
  old.on('error', () => {});
  old.destroy();
  return unread;
}

/**
 * A connected socket's handle, taken from it for use on its own (handle-tunnel.ts), with what
 * the socket had read but not delivered; undefined when the socket cannot give it up.
 */
export function adoptHandle(socket: Socket): { handle: object; unread: Buffer[] } | undefined {
  const handle = detachableHandle(socket);
  return handle === undefined ? undefined : { handle, unread: release(socket) };
}

/** The two ends of a tunnel, found by the forwarders when data arrives. */
export interface TunnelPlan {
  ends: { client: Socket | undefined; server: Socket | undefined };
  up: Forwarder;
  down: Forwarder;
  /** For `net.connect({ onread })`: the server socket reads into the tunnel's buffer from the start. */
  serverOnread: { buffer: () => Buffer; callback: (nread: number, buf: Uint8Array) => boolean };
}

/**
 * A tunnel's forwarders, made before dialling so that a direct connection can be opened with
 * `onread` already (one socket fewer to re-create once the tunnel opens).
 */
export function planTunnel(): TunnelPlan {
  const ends: TunnelPlan['ends'] = { client: undefined, server: undefined };
  const up = forwarder(
    () => ends.client!,
    () => ends.server!,
  );
  const down = forwarder(
    () => ends.server!,
    () => ends.client!,
  );
  return { ends, up, down, serverOnread: { buffer: down.buffer, callback: down.callback } };
}

export interface SplicedTunnel {
  client: Socket;
  server: Socket;
  /** `buffers`: reused read buffers; `pipe`: the stream fallback both ways; `mixed`: one of each. */
  mode: 'buffers' | 'pipe' | 'mixed';
}

/**
 * Connects `client` and `server` both ways until either closes; half-closes pass through, an
 * error or close on either side ends both. The client socket (and the server socket, unless it
 * was opened with `plan.serverOnread`) may be replaced (see the file comment): use the returned
 * ones from here on. `onClose` runs once, when the tunnel is gone.
 */
export function splice(
  client: Socket,
  server: Socket,
  onClose: () => void,
  plan: TunnelPlan = planTunnel(),
  serverReadsToPlan = false,
): SplicedTunnel {
  const { ends, up, down } = plan;
  const accepted = onreadClients.get(client);
  const clientHandle = accepted === undefined ? detachableHandle(client) : undefined;
  let c = client;
  let s = server;
  let serverBuffers = serverReadsToPlan;
  if (!serverReadsToPlan && (clientHandle !== undefined || accepted !== undefined)) {
    const serverHandle = detachableHandle(server);
    if (serverHandle !== undefined) {
      const fromServer = rewrap(server, serverHandle, down);
      s = fromServer.socket;
      serverBuffers = true;
      for (const chunk of fromServer.unread) c.write(chunk);
    }
  }
  ends.server = s;
  // The client is re-created only when the server reads into buffers too: else both use pipe().
  // A client that reads with onread since it was accepted is only pointed at its forwarder.
  const clientBuffers = accepted !== undefined || (serverBuffers && clientHandle !== undefined);
  if (accepted !== undefined) {
    // What it read before (pushed while node:http had it) goes first.
    while (c.readableLength > 0) s.write(c.read() as Buffer);
    // Then what it read while the tunnel was dialled.
    for (const chunk of accepted.attach(up)) s.write(chunk);
  } else if (clientBuffers) {
    const fromClient = rewrap(client, clientHandle!, up);
    c = fromClient.socket;
    for (const chunk of fromClient.unread) s.write(chunk);
  }
  ends.client = c;
  if (c.readableEnded) s.end();
  else if (clientBuffers) c.on('end', () => s.end());
  else c.pipe(s);
  if (serverBuffers) s.on('end', () => c.end());
  else s.pipe(c);
  const tunnel: SplicedTunnel = {
    client: c,
    server: s,
    mode: clientBuffers && serverBuffers ? 'buffers' : serverBuffers || clientBuffers ? 'mixed' : 'pipe',
  };
  let closed = false;
  const teardown = () => {
    c.destroy();
    s.destroy();
    if (!closed) {
      closed = true;
      // Both handles are closed now (destroy() closes them at once): the buffers are free.
      up.release();
      down.release();
      onClose();
    }
  };
  for (const socket of [c, s]) {
    socket.on('error', teardown);
    socket.on('close', teardown);
  }
  if (clientBuffers) c.resume();
  if (serverBuffers && !serverReadsToPlan) s.resume();
  return tunnel;
}
