/**
 * The forward proxy (`HTTPS_PROXY=http://127.0.0.1:8790`): CONNECT tunnels and absolute-URI
 * HTTP requests, each destination decided by the egress policy and reported as one event.
 *
 * Connections arrive on a net.Server whose accepted handles the proxy takes itself (accept.ts).
 * A `CONNECT` head is read by the proxy (head.ts: one small parse, no request objects). When the
 * first bytes hold a complete one, allowed and straight to its destination, it is dialled,
 * answered and tunnelled on the TCP handles (handles.ts, handle-tunnel.ts: the fast path);
 * otherwise the connection becomes a net.Socket and its tunnel is spliced socket to socket
 * (connect.ts, tunnel.ts). Either way a tunnel's bytes are moved, never parsed. Anything else —
 * absolute-URI requests, `/healthz`, garbage — is handed, with the bytes read so far put back, to
 * a node:http server that never listens itself, and gets node:http's parsing, limits and error
 * answers; plain-connections.ts adds what it lacks here: a head deadline (node:http's runs only
 * on a server that listens), and a CONNECT behind requests on one connection answered after them.
 *
 * TLS interception seam: `interceptTunnel(host, port)` is asked for every allowed CONNECT. It
 * returns undefined (tunnel the bytes) or a handler that receives the client socket after the
 * `200 Connection Established`; that handler is where a TLS server socket (node:tls, a per-host
 * certificate from a local CA) could terminate the tunnel and hand requests to the gateway.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  createServer as createNetServer,
  isIP,
  type AddressInfo,
  type LookupFunction,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { compileEgressPolicy, type CompiledEgressPolicy, type EgressPolicyInput } from './policy.js';
import { formatAuthority, normalizeHost, parseAuthority, type Destination } from './host-pattern.js';
import { logEgressEvents, type EgressEvent, type EgressListener } from './events.js';
import { viaHasLoop } from './headers.js';

import { parseBypass, parseUpstreamProxy, routeFor, unreached, type UpstreamProxy } from './upstream.js';
import {
  connectDirect,
  handleConnect,
  type ClientInfo,
  type ConnectContext,
  type ReportFields,
  type TunnelHandler,
  type Verdict,
} from './connect.js';
import { parseConnectHead, startsConnect } from './head.js';
import {
  AcceptedClient,
  takeAcceptedHandles,
  wrapAccepted,
  type AcceptedHandle,
  type AcceptedReader,
} from './accept.js';
import { handlesUsable } from './handles.js';
import { onreadClients } from './tunnel.js';
import { answerPlain, answerRaw, answerRawBytes, rawAnswer } from './respond.js';
import { createHttpForwarder } from './forward-http.js';
import { isSelf, selfAddress, type SelfAddress } from './self.js';
import { PlainConnections } from './plain-connections.js';
import { hostLocalLookup, isHostLocal } from './host-local.js';
import { isLoopback } from './ip.js';
import { ConnectionBound, type ConnectionStats } from './connection-bound.js';
import { CONNECTIONS_FULL_RETRY_AFTER_S, RESERVE_HEAD_MS } from '../connection-reserve.js';

export type { TunnelHandler, Verdict };

/** A request head (CONNECT or other) must be complete within this time; else 408. */
const HEAD_TIMEOUT_MS = 60_000;
/** A forwarded plain request's answer must start within this time after it was sent; else 504. */
const ANSWER_TIMEOUT_MS = 60_000;
/** How often connections still waiting for their first bytes are checked against HEAD_TIMEOUT_MS. */
const HEAD_SWEEP_MS = 1_000;
/** Events wait at most this long for the listener (see `report`). */
const REPORT_DELAY_MS = 10;
const EMPTY = Buffer.alloc(0);

/** `Via` as one string (node:http already joins repeated fields). */
const joinVia = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join(', ') : v;

function clientOf(req: IncomingMessage): ClientInfo {
  const ua = req.headers['user-agent'];
  return {
    address: req.socket.remoteAddress ?? '',
    ...(typeof ua === 'string' ? { userAgent: ua } : {}),
  };
}

/**
 * The warning for tunnels that move their bytes through pipe() (the runtime lacks the socket
 * internals that reused buffers need, tunnel.ts), at about a third of the throughput; given once
 * per proxy. Each such tunnel's event also says so (`tunnel: 'pipe'` or `'mixed'`), and so does
 * the `airlock_egress_tunnels_total` metric.
 */
function fallbackWarner(warn: Warn): (mode: string) => void {
  let warned = false;
  return (mode) => {
    if (warned) return;
    warned = true;
    warn(
      `Airlock egress proxy: a tunnel fell back to pipe() (${mode}): this Node.js runtime lacks the socket internals for reused read buffers; tunnels work, with more CPU per byte`,
      'AIRLOCK_EGRESS_TUNNEL_FALLBACK',
    );
  };
}

type Warn = (message: string, code: string) => void;

/** The proxy's warnings go to `onWarning`, else to `process.emitWarning` (stderr). */
const warner =
  (onWarning: ForwardProxyOptions['onWarning']): Warn =>
  (message, code) => {
    if (onWarning) onWarning(message, code);
    else process.emitWarning(message, { code });
  };

export interface ForwardProxyOptions {
  /** Listen address; default 127.0.0.1 (anything else lets the network use the proxy). */
  host?: string;
  /** Default 8790; 0 picks a free port. */
  port?: number;
  /** A compiled policy, or the `egress:` section to compile; default: the built-in default profile. */
  policy?: CompiledEgressPolicy | EgressPolicyInput;
  /** Corporate proxy for allowed destinations, `http://[user:pass@]host:port`. */
  upstreamProxy?: string;
  /** Destinations that bypass the upstream proxy (loopback always does); host patterns or `.suffix`. */
  upstreamBypass?: string[];
  onEvent?: EgressListener;
  /** The TLS-termination seam (see the file comment). */
  interceptTunnel?: (host: string, port: number) => TunnelHandler | undefined;
  /** Longest request head; larger gets 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Connecting to a destination or the upstream proxy; default 10 s. */
  connectTimeoutMs?: number;
  /** A request head must be complete within this time, else 408; default 60 s. */
  headTimeoutMs?: number;
  /**
   * Where the proxy's own warnings go; default `process.emitWarning` (stderr). `airlock run`
   * sends them to its log: the child owns the terminal.
   */
  onWarning?: (message: string, code: string) => void;
  /**
   * Asked before each destination: why no new connection may be made now (the audit log cannot
   * take its event: the spool is full), or undefined. A refused attempt is answered 503 and its
   * event has the outcome `unavailable`.
   */
  admit?: () => string | undefined;
  /**
   * Refuse destinations on the proxy's own host (loopback, link-local, cloud instance metadata;
   * host-local.ts), by name and by the addresses a name resolves to, unless an `egress.allow`
   * entry names the host exactly. Default: when `host` is not a loopback address (other machines
   * can use the proxy).
   */
  refuseHostLocal?: boolean;
  /** How destination names are resolved when the proxy dials them; default node:dns. */
  lookup?: LookupFunction;
  /**
   * Client connections served at once (egress_proxy.max_connections; default 1024). A 32nd more
   * (connection-reserve.ts) are accepted only to answer their first request 503 with
   * `Retry-After` and close; one past those is closed as soon as it is accepted. Each is
   * counted, and logged at most once a minute.
   */
  maxConnections?: number;
}

/** The default of egress_proxy.max_connections: each tunnel holds two sockets. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** The rule named when a destination on the proxy's own host is refused. */
export const HOST_LOCAL_RULE = 'built-in host-local (the proxy listens beyond loopback)';

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT`, the value for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  host: string;
  port: number;
  /** This instance's `Via` pseudonym (loop detection). */
  via: string;
  /** The upstream proxy in use (credentials masked), or undefined: destinations are dialled directly. */
  upstream: string | undefined;
  /**
   * Puts a new policy in force for the destinations asked from now on (open tunnels stay).
   * Throws, keeping the old one, when an `egress:` section does not compile.
   */
  setPolicy(policy: CompiledEgressPolicy | EgressPolicyInput): void;
  /** Client connections in a CONNECT (dialling or tunnelling) or a forwarded request right now. */
  activeTunnels(): number;
  /** Client connections open, refused and answered 503 (maxConnections), for /metrics. */
  stats(): ConnectionStats;
  /** Hands the events not yet delivered (they wait up to 10 ms, batched) to the listener now. */
  flushEvents(): void;
  close(): Promise<void>;
}

const isCompiled = (p: ForwardProxyOptions['policy']): p is CompiledEgressPolicy =>
  typeof p === 'object' && p !== null && typeof (p as CompiledEgressPolicy).decide === 'function';

export async function startForwardProxy(opts: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const compile = (p: ForwardProxyOptions['policy']): CompiledEgressPolicy =>
    isCompiled(p) ? p : compileEgressPolicy(p ?? {});
  let policy = compile(opts.policy);
  let upstream: UpstreamProxy | undefined = opts.upstreamProxy
    ? parseUpstreamProxy(opts.upstreamProxy)
    : undefined;
  const bypass = parseBypass(opts.upstreamBypass ?? []);
  const emit = opts.onEvent ?? logEgressEvents();
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const headTimeoutMs = opts.headTimeoutMs ?? HEAD_TIMEOUT_MS;
  const via = `airlock-${randomBytes(4).toString('hex')}`;
  const refuseHostLocal = opts.refuseHostLocal ?? !isLoopback(opts.host ?? '127.0.0.1');
  const guardedLookup = hostLocalLookup(opts.lookup);
  const allowed = (rule: string, host: string, lookup: LookupFunction | undefined): Verdict =>
    lookup === undefined || isIP(host) !== 0 ? { rule } : { rule, lookup };
  const forwarder = createHttpForwarder(via, { connectMs: connectTimeoutMs, answerMs: ANSWER_TIMEOUT_MS });
  const open = new Set<{ destroy(): void }>();
  let self: SelfAddress = { port: -1, addresses: new Set(), loopback: false };

  /**
   * Events are built and handed to the listener in batches, REPORT_DELAY_MS after the first of
   * a batch (and when the proxy closes): formatting and logging an event is not on the way to
   * the answer it describes, nor to the tunnel's first bytes that follow it. (A setImmediate
   * ran it in the same loop turn as the `200`, before the turn that moves the client's first
   * bytes: about 0.1–0.2 ms of setup under load in bench/egress.ts.)
   */
  const warn = warner(opts.onWarning);
  const warnFallback = fallbackWarner(warn);
  const bound = new ConnectionBound(opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS, warn);
  /** The answer of a reserve connection whose first bytes came with every place still taken. */
  const fullAnswer = rawAnswer(
    503,
    `Airlock egress proxy: ${bound.max} client connections are open (egress_proxy.max_connections); ` +
      'this one was answered and closed. Retry in a few seconds.',
    [`Retry-After: ${CONNECTIONS_FULL_RETRY_AFTER_S}`],
  );
  let pending: { client: ClientInfo; start: number; end: number; fields: ReportFields }[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  function flushReports(): void {
    flushTimer = undefined;
    const batch = pending;
    pending = [];
    for (const { client, start, end, fields } of batch) {
      if (fields.tunnel !== undefined && fields.tunnel !== 'buffers') warnFallback(fields.tunnel);
      const event: EgressEvent = {
        kind: 'egress',
        time: new Date(Date.now() - (performance.now() - start)).toISOString(),
        ...fields,
        latencyMs: Math.round((end - start) * 1000) / 1000,
        client: {
          address: client.address,
          ...(client.userAgent !== undefined ? { userAgent: client.userAgent.slice(0, 256) } : {}),
        },
      };
      try {
        emit(event);
      } catch {
        // A failing listener must not take the proxy down; the audit side reports its own errors.
      }
    }
  }
  function flushEvents(): void {
    if (flushTimer === undefined) return;
    clearTimeout(flushTimer);
    flushReports();
  }
  function report(client: ClientInfo, start: number, fields: ReportFields): void {
    if (pending.length === 0) flushTimer = setTimeout(flushReports, REPORT_DELAY_MS);
    pending.push({ client, start, end: performance.now(), fields });
  }

  const upstreamFor = (dest: Destination) => routeFor(dest, upstream, bypass);

  /** Loop, then policy: the refusal to send, or the rule that allows the destination. */
  function check(dest: Destination, viaField: string | undefined): Verdict {
    const unavailable = opts.admit?.();
    if (unavailable !== undefined) {
      return {
        status: 503,
        outcome: 'unavailable',
        rule: 'unavailable',
        message: `Airlock egress proxy: no new connections for now (${unavailable})`,
      };
    }
    if (isSelf(dest, self) || viaHasLoop(viaField, via)) {
      return {
        status: 508,
        outcome: 'loop',
        rule: 'loop',
        message: `Airlock egress proxy: ${formatAuthority(dest)} is this proxy (request loop)`,
      };
    }
    const decision = policy.decide(dest.host, dest.port);
    if (!decision.allow) {
      return {
        status: 403,
        outcome: 'refused',
        rule: decision.rule,
        message: `Airlock refused ${formatAuthority(dest)}: ${decision.rule}`,
      };
    }
    if (!refuseHostLocal || decision.explicit) return allowed(decision.rule, dest.host, opts.lookup);
    if (isHostLocal(dest.host)) {
      return {
        status: 403,
        outcome: 'refused',
        rule: HOST_LOCAL_RULE,
        message: `Airlock refused ${formatAuthority(dest)}: ${HOST_LOCAL_RULE}`,
      };
    }
    return allowed(decision.rule, dest.host, guardedLookup);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now();
    const target = req.url ?? '';
    const method = req.method ?? '';
    if (target.startsWith('/')) {
      if (target === '/healthz') answerPlain(res, 200, 'ok');
      else
        answerPlain(
          res,
          400,
          'Airlock egress proxy: use me as HTTPS_PROXY / HTTP_PROXY (CONNECT or absolute-URI requests)',
        );
      return;
    }
    let url: URL | undefined;
    try {
      url = new URL(target);
    } catch {
      url = undefined;
    }
    const host = url && url.protocol === 'http:' ? normalizeHost(url.hostname) : undefined;
    if (url === undefined || host === undefined) {
      const why =
        url?.protocol === 'https:'
          ? 'https URLs go through CONNECT'
          : 'request target must be an absolute http:// URL';
      answerPlain(res, 400, `Airlock egress proxy: ${why}`);
      report(clientOf(req), start, {
        method,
        host: '',
        port: 0,
        decision: 'deny',
        rule: why,
        outcome: 'bad_request',
        status: 400,
      });
      return;
    }
    const dest: Destination = { host, port: url.port === '' ? 80 : Number(url.port) };
    const verdict = check(dest, req.headers.via);
    if ('status' in verdict) {
      answerPlain(res, verdict.status, verdict.message);
      report(clientOf(req), start, {
        method,
        ...dest,
        decision: 'deny',
        rule: verdict.rule,
        outcome: verdict.outcome,
        status: verdict.status,
      });
      return;
    }
    const socket = res.socket as Duplex;
    open.add(socket);
    res.on('close', () => open.delete(socket));
    const result = await forwarder.forward(req, res, url, dest, upstreamFor(dest), verdict.lookup);
    report(clientOf(req), start, {
      method,
      ...dest,
      ...(result.error ? unreached(result.error) : { decision: 'allow', outcome: 'forwarded' }),
      rule: verdict.rule,
      status: result.status,
      route: result.route,
      ...(result.error ? { error: result.error } : {}),
    });
  }

  const connectContext: ConnectContext = {
    report,
    check,
    upstreamFor,
    interceptTunnel: opts.interceptTunnel,
    via,
    connectTimeoutMs,
    open,
  };

  const maxHeaderSize = opts.maxHeaderSize ?? 16 * 1024;
  /** The connections node:http parses: their head deadline, their answers in order. */
  const plain = new PlainConnections(headTimeoutMs, (socket) =>
    refuseHead(socket, 408, 'request head timeout'),
  );
  /** Parses everything that is not a CONNECT read by the fast path; it never listens itself. */
  const http = createServer({ maxHeaderSize }, (req, res) => {
    plain.request(req.socket, res);
    void onRequest(req, res);
  });
  http.requestTimeout = 0;
  // A CONNECT after plain requests on one keep-alive connection arrives here, answered after them.
  http.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const start = performance.now();
    const request = { target: req.url ?? '', via: joinVia(req.headers.via), client: clientOf(req) };
    plain.leave(socket, () => {
      // node:http set its keep-alive timeout on the connection after the last answer.
      socket.setTimeout(0);
      handleConnect(connectContext, request, socket, head, start);
    });
  });
  http.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    plain.leave(socket, () =>
      answerRaw(socket, 501, 'Airlock egress proxy: protocol upgrades go through CONNECT'),
    );
  });
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    plain.forget(socket);
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refuseHead(socket, status, err.code ?? 'client error');
  });

  function refuseHead(socket: Socket, status: number, rule: string): void {
    answerRaw(socket, status, `Airlock egress proxy: ${STATUS_CODES[status] ?? 'bad request'}`);
    report({ address: socket.remoteAddress ?? '' }, performance.now(), {
      method: '',
      host: '',
      port: 0,
      decision: 'deny',
      rule,
      outcome: 'bad_request',
      status,
    });
  }

  /** Every client connection not yet in a tunnel, destroyed when the proxy closes. */
  const connections = new Set<Socket>();

  /**
   * Reads a connection's first request head: a CONNECT is answered here (connect.ts), anything
   * else goes to node:http with the bytes read so far put back. `reader` is set for connections
   * that read with onread (accept.ts): their chunks are views of a shared buffer, so whatever is
   * kept is copied. Returns false once the head is done (an onread socket then stops reading).
   */
  function readHead(socket: Socket, reader: AcceptedReader | undefined): (chunk: Buffer) => boolean {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    const onError = () => socket.destroy();
    socket.on('error', onError);
    let buffered: Buffer | undefined;
    let searched = 0;
    const since = Date.now();
    const timer = setTimeout(() => {
      finishHead();
      refuseHead(socket, 408, 'request head timeout');
    }, headTimeoutMs);
    timer.unref();
    // A client that ends before its head is complete gets no answer.
    const onEnd = () => socket.destroy();
    socket.on('end', onEnd);
    /** The head is read; `tunnel`: a CONNECT goes on, whose client may send while it is dialled. */
    const finishHead = (tunnel = false) => {
      clearTimeout(timer);
      socket.off('end', onEnd);
      if (reader === undefined) {
        socket.off('data', onData);
        socket.pause();
      } else if (tunnel) {
        // Reading goes on (no stop and restart); the tunnel takes what arrived meanwhile.
        reader.hold();
      } else {
        // Until a consumer takes over: a refusal drains them, node:http resumes.
        reader.drop();
      }
    };
    const own = (bytes: Buffer) => (reader === undefined ? bytes : Buffer.from(bytes));
    function onData(chunk: Buffer): boolean {
      const bytes: Buffer = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
      const kind = startsConnect(bytes);
      if (kind === 'maybe') {
        buffered = own(bytes);
        return true;
      }
      if (kind === 'no') {
        // node:http takes over with the bytes read so far put back in front, and the deadline.
        finishHead();
        socket.off('error', onError);
        reader?.toStream();
        socket.unshift(own(bytes));
        plain.add(socket, since);
        http.emit('connection', socket);
        socket.resume();
        return false;
      }
      const parsed = parseConnectHead(bytes, maxHeaderSize, searched);
      if (parsed.kind === 'incomplete') {
        buffered = own(bytes);
        searched = bytes.length;
        return true;
      }
      if (parsed.kind === 'bad') {
        finishHead();
        refuseHead(socket, parsed.status, parsed.rule);
        return false;
      }
      finishHead(true);
      const { head } = parsed;
      // From here the CONNECT handler tracks the socket (and may replace it).
      connections.delete(socket);
      socket.off('error', onError);
      // Read now: the socket may be closed (or re-created for its tunnel) when the event is made.
      const address = socket.remoteAddress ?? '';
      const request = {
        target: head.target,
        via: head.via,
        client: {
          address,
          ...(head.userAgent !== undefined ? { userAgent: head.userAgent } : {}),
        },
      };
      const rest = bytes.subarray(head.length);
      handleConnect(connectContext, request, socket, rest.length === 0 ? rest : own(rest));
      return true;
    }
    return onData;
  }

  /**
   * Connections of the reserve (egress_proxy.max_connections all served) whose first bytes are
   * awaited, and since when: past RESERVE_HEAD_MS they are closed unanswered.
   */
  const reserveWaiting = new Map<{ destroy(): void }, number>();

  /**
   * A reserve connection read as a net.Socket (`key`: what the bound admitted, its handle or
   * itself). Its first bytes go to `serve` if one of the served closed meanwhile; else they are
   * answered 503 with Retry-After and the connection is closed, whatever the request was: a
   * proxy's client sends a CONNECT or an absolute-form request first, and waits for its answer.
   */
  function reserveFirstBytes(
    socket: Socket,
    key: AcceptedHandle | Socket,
    reader: AcceptedReader | undefined,
    serve: (chunk: Buffer) => boolean,
  ): (chunk: Buffer) => boolean {
    const onError = () => socket.destroy();
    socket.on('error', onError);
    reserveWaiting.set(socket, Date.now());
    socket.once('close', () => reserveWaiting.delete(socket));
    return (chunk) => {
      reserveWaiting.delete(socket);
      if (bound.leaveReserve(key)) {
        socket.off('error', onError);
        return serve(chunk);
      }
      // What the client sends next (the rest of its head, a body) is dropped until it closes.
      reader?.drop();
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
      answerRawBytes(socket, fullAnswer);
      return false;
    };
  }

  /** A connection node:net accepted and wrapped (stream mode): the fallback of onHandle. */
  function onConnection(socket: Socket): void {
    const admission = bound.admitSocket(socket);
    if (admission === 'refuse') {
      socket.destroy();
      return;
    }
    if (admission === 'serve') {
      socket.on('data', readHead(socket, undefined));
      return;
    }
    socket.once(
      'data',
      reserveFirstBytes(socket, socket, undefined, (chunk) => {
        const onData = readHead(socket, undefined);
        socket.on('data', onData);
        return onData(chunk);
      }),
    );
  }

  /** An accepted handle as a net.Socket that reads with onread (accept.ts), from its first byte. */
  function onSocketHandle(handle: AcceptedHandle, reserve: boolean): void {
    let onData: (chunk: Buffer) => boolean = () => true;
    const reader = wrapAccepted(handle, (chunk) => onData(chunk));
    const { socket } = reader;
    onreadClients.set(socket, reader);
    onData = reserve
      ? reserveFirstBytes(socket, handle, reader, (chunk) => {
          onData = readHead(socket, reader);
          return onData(chunk);
        })
      : readHead(socket, reader);
  }

  /** Accepted connections whose first bytes are awaited on the handle (the fast path's head). */
  const heads = new Set<AcceptedClient>();

  /**
   * An accepted handle: read on the handle while its first bytes show whether it takes the fast
   * path (a complete CONNECT head in them, allowed, straight, no interception hook); anything
   * else becomes a net.Socket and goes the socket path with the bytes read so far.
   */
  function onHandle(handle: AcceptedHandle): void {
    const admission = bound.admitHandle(handle);
    if (admission === 'refuse') {
      handle.close();
      return;
    }
    if (!handlesUsable(handle)) {
      onSocketHandle(handle, admission === 'reserve');
      return;
    }
    if (admission === 'reserve') {
      const waiting: AcceptedClient = new AcceptedClient(
        handle,
        (chunk) => onReserveBytes(waiting, chunk),
        () => reserveWaiting.delete(waiting),
      );
      reserveWaiting.set(waiting, waiting.since);
      return;
    }
    const client: AcceptedClient = new AcceptedClient(
      handle,
      (chunk) => onFirstBytes(client, chunk),
      () => heads.delete(client),
    );
    heads.add(client);
  }

  /** As reserveFirstBytes, on the handle: served if a place freed meanwhile, else answered 503. */
  function onReserveBytes(client: AcceptedClient, chunk: Buffer): void {
    reserveWaiting.delete(client);
    if (bound.leaveReserve(client.handle)) onFirstBytes(client, chunk);
    else client.answer(fullAnswer);
  }

  function onFirstBytes(client: AcceptedClient, chunk: Buffer): void {
    heads.delete(client);
    if (startsConnect(chunk) === 'yes') {
      const parsed = parseConnectHead(chunk, maxHeaderSize);
      const dest = parsed.kind === 'connect' ? parseAuthority(parsed.head.target) : undefined;
      if (
        parsed.kind === 'connect' &&
        dest !== undefined &&
        opts.interceptTunnel === undefined &&
        upstreamFor(dest) === undefined
      ) {
        const { head } = parsed;
        const verdict = check(dest, head.via);
        if (!('status' in verdict)) {
          client.userAgent = head.userAgent;
          const request = { target: head.target, via: head.via, client };
          const rest = chunk.length > head.length ? Buffer.from(chunk.subarray(head.length)) : EMPTY;
          connectDirect(connectContext, request, client, rest, dest, verdict);
          return;
        }
      }
    }
    // Everything else: the socket path, from these bytes on (read again there, copied where kept).
    const reader = client.toSocket((c) => onData(c));
    onreadClients.set(reader.socket, reader);
    const onData = readHead(reader.socket, reader);
    onData(chunk);
  }

  /** Connections whose head did not arrive in time on the fast path's handle: 408. */
  const headSweep = setInterval(() => {
    const now = Date.now();
    for (const client of heads) {
      if (now - client.since < headTimeoutMs) continue;
      heads.delete(client);
      const reader = client.toSocket(() => true);
      reader.drop();
      reader.socket.on('error', () => reader.socket.destroy());
      refuseHead(reader.socket, 408, 'request head timeout');
    }
    // A reserve connection silent for long is not worth an answer: it holds a place others
    // answered 503 could have had.
    for (const [waiting, since] of reserveWaiting) {
      if (now - since < RESERVE_HEAD_MS) continue;
      reserveWaiting.delete(waiting);
      waiting.destroy();
    }
  }, HEAD_SWEEP_MS);
  headSweep.unref();

  // Half-open like node:http's own server: a client's FIN passes through a tunnel, it does not
  // end the answer direction.
  const server = createNetServer({ noDelay: true, allowHalfOpen: true }, onConnection);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 8790, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing was served: the sweep and the forwarder's connections made for it go too.
    clearInterval(headSweep);
    forwarder.close();
    throw err;
  }
  takeAcceptedHandles(server, onHandle);
  const address = server.address() as AddressInfo;
  self = selfAddress(address.address, address.port);
  if (upstream !== undefined && isSelf(upstream, self)) {
    // A shell that exported the proxy's own address (what `airlock proxy` prints) names it as its
    // own upstream: every tunnel would come back to it and end in a loop (508).
    warn(
      `Airlock egress proxy: the upstream proxy ${upstream.display} is this proxy itself; ignored, destinations are connected directly`,
      'AIRLOCK_EGRESS_SELF_UPSTREAM',
    );
    upstream = undefined;
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    via,
    upstream: upstream?.display,
    setPolicy(next) {
      policy = compile(next);
    },
    activeTunnels: () => open.size,
    stats: () => bound.stats(),
    flushEvents,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(headSweep);
      for (const socket of open) socket.destroy();
      for (const socket of connections) socket.destroy();
      for (const client of heads) client.close();
      heads.clear();
      for (const waiting of reserveWaiting.keys()) waiting.destroy();
      reserveWaiting.clear();
      forwarder.close();
      // After the destroys: CONNECTs still dialling out report their end as they go.
      flushEvents();
      await closed;
    },
  };
}
