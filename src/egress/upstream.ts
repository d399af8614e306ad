/**
 * How the proxy reaches a destination: straight (`net.connect`) or through the user's corporate
 * proxy with its own `CONNECT` (credentials from the proxy URL, sent as Basic
 * `Proxy-Authorization` and never logged: `describeProxyUrl` is the only printable form).
 */
import { connect, type LookupFunction, type NetConnectOpts, type Socket } from 'node:net';
import {
  formatAuthority,
  matches,
  parseHostPattern,
  type Destination,
  type HostPattern,
} from './host-pattern.js';
import { appendVia } from './headers.js';
import { isLoopback } from './ip.js';
import { HOST_LOCAL_CODE } from './host-local.js';

export interface UpstreamProxy {
  host: string;
  port: number;
  /** `Basic ...` when the URL carried credentials. */
  authorization?: string;
  /** Safe to print: scheme, host and port, credentials replaced. */
  display: string;
}

/** Parses `http://[user:pass@]host:port`; only plain-HTTP proxies (the common corporate kind). */
export function parseUpstreamProxy(url: string): UpstreamProxy {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `http://${url}`);
  } catch {
    throw new Error('upstream proxy is not a URL (expected http://[user:pass@]host:port)');
  }
  if (parsed.protocol !== 'http:') throw new Error(`upstream proxy must be http:// (got ${parsed.protocol})`);
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port === '' ? 80 : Number(parsed.port);
  return {
    host,
    port,
    authorization: user || pass ? `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` : undefined,
    display: describeProxyUrl(url),
  };
}

/** The proxy URL with any credentials masked, for logs and messages. */
export function describeProxyUrl(url: string): string {
  try {
    const parsed = new URL(url.includes('://') ? url : `http://${url}`);
    const masked = parsed.username || parsed.password ? '***@' : '';
    return `${parsed.protocol}//${masked}${parsed.host}`;
  } catch {
    return '<invalid proxy URL>';
  }
}

/** NO_PROXY-style entries (`host`, `.suffix`, `*.suffix`, `host:port`) as host patterns. */
export function parseBypass(list: readonly string[]): HostPattern[] {
  const patterns: HostPattern[] = [];
  for (const raw of list) {
    const entry = raw.trim();
    if (entry === '') continue;
    try {
      patterns.push(parseHostPattern(entry.startsWith('.') ? `*${entry}` : entry));
    } catch {
      // NO_PROXY has many dialects (CIDR ranges, bare `*`); what we cannot read goes via the proxy.
    }
  }
  return patterns;
}

/** The upstream proxy to use for `dest`, or undefined to connect straight (loopback always does). */
export function routeFor(
  dest: Destination,
  proxy: UpstreamProxy | undefined,
  bypass: readonly HostPattern[],
): UpstreamProxy | undefined {
  if (proxy === undefined || isLoopback(dest.host)) return undefined;
  return bypass.some((p) => matches(p, dest)) ? undefined : proxy;
}

export class UpstreamConnectError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** 504 for timeouts, 502 otherwise. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'UpstreamConnectError';
  }
}

/**
 * An event's decision and outcome for a destination that was not reached, by its error code: one
 * the name lookup refused (host-local.ts) is a refusal, answered 403; any other an upstream error.
 */
export function unreached(code: string | undefined): {
  decision: 'allow' | 'deny';
  outcome: 'refused' | 'upstream_error';
} {
  return code === HOST_LOCAL_CODE
    ? { decision: 'deny', outcome: 'refused' }
    : { decision: 'allow', outcome: 'upstream_error' };
}

/** What `net.connect` calls with each read instead of emitting `data` (see tunnel.ts). */
export type OnRead = NonNullable<NetConnectOpts['onread']>;

/** Where a dial ends: the connected socket, or why it failed. */
export type Dialled = (err: UpstreamConnectError | undefined, socket: Socket) => void;

/**
 * Opens a TCP connection and calls `done` once, on connect, error or timeout (callbacks, not a
 * promise: a direct tunnel's answer goes out in the same tick its connection completes).
 */
export function dial(
  host: string,
  port: number,
  timeoutMs: number,
  onread: OnRead | undefined,
  done: Dialled,
  lookup?: LookupFunction,
): Socket {
  const options: NetConnectOpts = { host, port, allowHalfOpen: true, noDelay: true };
  if (onread !== undefined) options.onread = onread;
  if (lookup !== undefined) options.lookup = lookup;
  const socket = connect(options);
  const timer = setTimeout(() => {
    socket.off('error', onError);
    socket.on('error', ignore);
    socket.destroy();
    done(
      new UpstreamConnectError(`connect to ${formatAuthority({ host, port })} timed out`, 'ETIMEDOUT', 504),
      socket,
    );
  }, timeoutMs);
  const onError = (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    const code = err.code ?? 'ECONNERROR';
    done(
      code === HOST_LOCAL_CODE
        ? new UpstreamConnectError(`refused ${formatAuthority({ host, port })}: ${err.message}`, code, 403)
        : new UpstreamConnectError(
            `connect to ${formatAuthority({ host, port })} failed: ${code}`,
            code,
            502,
          ),
      socket,
    );
  };
  socket.once('error', onError);
  // A dial given up by its caller (the client went) keeps no timer.
  socket.once('close', () => clearTimeout(timer));
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.off('error', onError);
    // Until the caller attaches its own handlers: an 'error' without a listener would throw.
    socket.on('error', ignore);
    done(undefined, socket);
  });
  return socket;
}

/** `dial` as a promise, for the upstream proxy's CONNECT exchange. */
function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    dial(host, port, timeoutMs, undefined, (err, socket) => (err ? reject(err) : resolve(socket)));
  });
}

function ignore(): void {}

const MAX_PROXY_RESPONSE_HEAD = 16 * 1024;

/**
 * CONNECT through the upstream proxy; resolves with the tunnel socket and any bytes the proxy
 * sent after its response head (they belong to the tunnel).
 */
async function connectThrough(
  proxy: UpstreamProxy,
  dest: Destination,
  via: string,
  timeoutMs: number,
): Promise<{ socket: Socket; leftover: Buffer }> {
  const socket = await openSocket(proxy.host, proxy.port, timeoutMs);
  const target = formatAuthority(dest);
  const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`, `Via: ${appendVia(undefined, via)}`];
  if (proxy.authorization) lines.push(`Proxy-Authorization: ${proxy.authorization}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (err: UpstreamConnectError) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new UpstreamConnectError(
            `upstream proxy ${proxy.display} did not answer CONNECT`,
            'ETIMEDOUT',
            504,
          ),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_PROXY_RESPONSE_HEAD)
          fail(new UpstreamConnectError('upstream proxy answer too long', 'EPROTO', 502));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1];
      if (status === undefined || !status.startsWith('2')) {
        // The status only: the proxy's own message may echo what we sent.
        fail(
          new UpstreamConnectError(
            `upstream proxy ${proxy.display} answered ${status ?? 'garbage'}`,
            `PROXY_${status ?? 'BAD'}`,
            502,
          ),
        );
        return;
      }
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.on('error', ignore);
      resolve({ socket, leftover: head.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        new UpstreamConnectError(
          `upstream proxy ${proxy.display}: ${err.code ?? 'error'}`,
          err.code ?? 'ECONNERROR',
          502,
        ),
      ),
    );
    socket.once('close', () =>
      fail(
        new UpstreamConnectError(`upstream proxy ${proxy.display} closed the connection`, 'ECONNRESET', 502),
      ),
    );
  });
}

export interface OpenedTunnel {
  socket: Socket;
  leftover: Buffer;
  route: 'direct' | 'upstream-proxy';
  readsWithOnread: boolean;
}

/**
 * Connects to `dest`, through `proxy` unless it is undefined, and calls `done` once. A direct
 * connection reads with `onread` when given (`readsWithOnread` says so) and completes in the
 * tick its socket connects; one through the proxy reads the proxy's answer first.
 */
export function openTunnel(
  dest: Destination,
  proxy: UpstreamProxy | undefined,
  via: string,
  timeoutMs: number,
  onread: OnRead | undefined,
  /** For a direct dial: the name lookup (host-local.ts); an upstream proxy resolves names itself. */
  lookup: LookupFunction | undefined,
  done: (err: UpstreamConnectError | undefined, tunnel: OpenedTunnel | undefined) => void,
): void {
  if (proxy === undefined) {
    dial(
      dest.host,
      dest.port,
      timeoutMs,
      onread,
      (err, socket) =>
        done(
          err,
          err
            ? undefined
            : { socket, leftover: EMPTY, route: 'direct', readsWithOnread: onread !== undefined },
        ),
      lookup,
    );
    return;
  }
  connectThrough(proxy, dest, via, timeoutMs).then(
    ({ socket, leftover }) =>
      done(undefined, { socket, leftover, route: 'upstream-proxy', readsWithOnread: false }),
    (err: unknown) =>
      done(
        err instanceof UpstreamConnectError ? err : new UpstreamConnectError(String(err), 'ECONNERROR', 502),
        undefined,
      ),
  );
}

const EMPTY = Buffer.alloc(0);
