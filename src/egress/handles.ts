/**
 * Node's TCP stream handles used directly (libuv's `uv_tcp_t` as node:net wraps it, without the
 * net.Socket and stream objects around it), for the proxy's fast path: an accepted connection's
 * CONNECT head is read, the destination dialled, the `200` written and the tunnel's bytes moved
 * all on the handles. A net.Socket costs its construction, a stream state per direction and a
 * few ticks per read, write, end and close; at tunnel setup that is most of the proxy's own time
 * (bench/egress.ts: about half of what a bare node:http CONNECT proxy adds).
 *
 * The handles and request classes come from `process.binding` (`tcp_wrap`, `stream_wrap`), the
 * same classes node:net uses. Where a runtime lacks them (`handleBindings` is undefined) the
 * proxy keeps its net.Socket paths, which do the same work with more objects.
 */
/** A write or shutdown request: the callback gets libuv's status (0 or a negative errno). */
interface Req {
  handle?: unknown;
  oncomplete: (status: number) => void;
  async?: boolean;
  buffer?: Uint8Array | null;
}

interface ConnectReq {
  oncomplete: (status: number) => void;
  address: string;
  port: number;
}

/** The parts of node's TCPWrap (a connected or accepted TCP handle) used here. */
export interface RawHandle {
  /** Called with no argument in user-buffer mode; the read's size or error is in `state`. */
  onread: ((this: RawHandle) => Uint8Array | undefined) | null;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: Req, data: Uint8Array): number;
  shutdown(req: Req): number;
  close(callback?: () => void): void;
  setNoDelay(enable: boolean): number;
  /** Bytes queued in libuv, not yet handed to the kernel. */
  readonly writeQueueSize: number;
  getpeername(out: { address?: string }): number;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
}

interface Bindings {
  TCP: new (type: number) => RawHandle;
  TCPConnectWrap: new () => ConnectReq;
  socketType: number;
  WriteWrap: new () => Req;
  ShutdownWrap: new () => Req;
  /** node's streamBaseState: the last read's size or error, whether the last write went async. */
  state: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

function loadBindings(): Bindings | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding('tcp_wrap');
    const stream = binding('stream_wrap');
    const constants = tcp.constants as { SOCKET?: unknown } | undefined;
    const b = {
      TCP: tcp.TCP,
      TCPConnectWrap: tcp.TCPConnectWrap,
      socketType: constants?.SOCKET,
      WriteWrap: stream.WriteWrap,
      ShutdownWrap: stream.ShutdownWrap,
      state: stream.streamBaseState,
      kReadBytesOrError: stream.kReadBytesOrError,
      kLastWriteWasAsync: stream.kLastWriteWasAsync,
    };
    const proto = (b.TCP as { prototype?: Partial<RawHandle> } | undefined)?.prototype;
    const ok =
      typeof b.TCP === 'function' &&
      typeof b.TCPConnectWrap === 'function' &&
      typeof b.socketType === 'number' &&
      typeof b.WriteWrap === 'function' &&
      typeof b.ShutdownWrap === 'function' &&
      b.state instanceof Int32Array &&
      typeof b.kReadBytesOrError === 'number' &&
      typeof b.kLastWriteWasAsync === 'number' &&
      proto !== undefined &&
      ['writeBuffer', 'shutdown', 'readStart', 'readStop', 'connect', 'connect6', 'getpeername'].every(
        (name) => typeof proto[name as keyof RawHandle] === 'function',
      );
    return ok ? (b as unknown as Bindings) : undefined;
  } catch {
    return undefined;
  }
}

const bindings = loadBindings();

/** Whether the fast path can run here: the binding classes exist and `handle` reads into buffers. */
export function handlesUsable(handle: object): handle is RawHandle {
  return (
    bindings !== undefined &&
    typeof (handle as Partial<RawHandle>).useUserBuffer === 'function' &&
    typeof (handle as Partial<RawHandle>).writeBuffer === 'function'
  );
}

/** libuv's end of stream. */
export const UV_EOF = -4095;

/**
 * The size of the read that `onread` is being called for, or its error (negative; UV_EOF at the
 * end). 0 is not an end: libuv reads again after a read that filled the buffer and reports a
 * read of nothing when it finds nothing (EAGAIN).
 */
export const readResult = (): number => bindings!.state[bindings!.kReadBytesOrError]!;

function ignore(): void {}

/**
 * Writes `data` (which must stay unchanged until `done`). Returns 0 when the bytes are in the
 * kernel already (`done` is not called), 1 when the write is queued (`done(status)` follows), or
 * a negative errno.
 */
export function writeHandle(
  handle: RawHandle,
  data: Uint8Array,
  done: (status: number) => void = ignore,
): number {
  const req = new bindings!.WriteWrap();
  req.handle = handle;
  req.oncomplete = done;
  req.async = false;
  const err = handle.writeBuffer(req, data);
  if (err !== 0) return err;
  if (bindings!.state[bindings!.kLastWriteWasAsync] === 0) return 0;
  // What node:net does too: the request keeps the bytes alive until libuv wrote them.
  req.buffer = data;
  return 1;
}

/** Sends FIN once the queued writes are out; `done(status)` then. */
export function shutdownHandle(handle: RawHandle, done: (status: number) => void = ignore): number {
  const req = new bindings!.ShutdownWrap();
  req.handle = handle;
  req.oncomplete = done;
  return handle.shutdown(req);
}

/**
 * Opens a TCP connection to an IP address (the caller checked `isIP`): `done(0, handle)` once
 * connected, `done(errno)` on failure. Returns the handle (close it to cancel).
 */
export function connectHandle(
  address: string,
  family: 4 | 6,
  port: number,
  done: (status: number, handle: RawHandle) => void,
): RawHandle {
  const handle = new bindings!.TCP(bindings!.socketType);
  handle.setNoDelay(true);
  const req = new bindings!.TCPConnectWrap();
  req.address = address;
  req.port = port;
  req.oncomplete = (status) => done(status, handle);
  const err = family === 6 ? handle.connect6(req, address, port) : handle.connect(req, address, port);
  if (err !== 0) queueMicrotask(() => done(err, handle));
  return handle;
}

/** The peer's address, or '' once the handle is closed. */
export function peerAddress(handle: RawHandle): string {
  const out: { address?: string } = {};
  return handle.getpeername(out) === 0 ? (out.address ?? '') : '';
}
