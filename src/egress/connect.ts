/**
 * One CONNECT request: parse the authority-form target, refuse it (loop, policy) or open the
 * tunnel — straight, through the upstream proxy, or handed to the interception seam — then
 * splice both sockets (tunnel.ts). The bytes of an open tunnel are never parsed.
 */
import { Socket, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { EgressEvent, EgressOutcome } from './events.js';
import { parseAuthority, type Destination } from './host-pattern.js';
import { answerRaw } from './respond.js';
import { onreadClients, planTunnel, readsIntoBuffers, splice, type SplicedTunnel } from './tunnel.js';
import { openTunnel, unreached, UpstreamConnectError, type UpstreamProxy } from './upstream.js';
import type { AcceptedClient } from './accept.js';
import { dialHandle, HandleTunnel } from './handle-tunnel.js';
import { writeHandle } from './handles.js';
import { rawAnswer } from './respond.js';

export type TunnelHandler = (client: Duplex, head: Buffer) => void;

/**
 * The rule that lets the destination through, and the name lookup to dial it with when its
 * addresses must be checked too (host-local.ts).
 */
export interface Allowed {
  rule: string;
  lookup?: LookupFunction;
}

/** A refusal to answer with, or what lets the destination through. */
export type Verdict = { status: number; outcome: EgressOutcome; rule: string; message: string } | Allowed;

/** Who asked, as an event records it. */
export interface ClientInfo {
  address: string;
  userAgent?: string;
}

/** What a CONNECT request says, from the proxy's own head parser or from node:http. */
export interface ConnectRequest {
  target: string;
  /** `Via` field values, comma-joined. */
  via: string | undefined;
  client: ClientInfo;
}

export type ReportFields = Omit<EgressEvent, 'kind' | 'time' | 'latencyMs' | 'client'>;

/** What a CONNECT needs from the proxy that received it. */
export interface ConnectContext {
  report(client: ClientInfo, start: number, fields: ReportFields): void;
  check(dest: Destination, via: string | undefined): Verdict;
  upstreamFor(dest: Destination): UpstreamProxy | undefined;
  interceptTunnel?: (host: string, port: number) => TunnelHandler | undefined;
  /** This proxy's Via pseudonym, sent on CONNECTs to the upstream proxy. */
  via: string;
  connectTimeoutMs: number;
  /** Client connections in a CONNECT (dialling or tunnelling); destroyed when the proxy closes. */
  open: Set<{ destroy(): void }>;
}

const ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');

/** Answers and closes; what the client sent meanwhile and sends now is dropped. */
function refuse(client: Duplex, status: number, message: string): void {
  if (client instanceof Socket) onreadClients.get(client)?.drop();
  answerRaw(client, status, message);
}

function destroySelf(this: Duplex): void {
  this.destroy();
}

/**
 * Answers one CONNECT. Synchronous up to the dial; a direct tunnel's `200` goes out in the tick
 * its connection completes (callbacks, no promise hops), and its event after that.
 */
export function handleConnect(
  ctx: ConnectContext,
  req: ConnectRequest,
  client: Duplex,
  head: Buffer,
  start = performance.now(),
): void {
  const { report, check, via, connectTimeoutMs, open } = ctx;
  client.on('error', destroySelf);
  // Tracked from the start, so that closing the proxy also ends a CONNECT still dialling out.
  open.add(client);
  const untrack = () => open.delete(client);
  client.once('close', untrack);
  const dest = parseAuthority(req.target);
  if (dest === undefined) {
    // The raw target is not echoed: it may be anything, credentials included.
    refuse(client, 400, 'Airlock egress proxy: CONNECT target must be host:port');
    report(req.client, start, {
      method: 'CONNECT',
      host: '',
      port: 0,
      decision: 'deny',
      rule: 'malformed CONNECT target',
      outcome: 'bad_request',
      status: 400,
    });
    return;
  }
  const verdict = check(dest, req.via);
  if ('status' in verdict) {
    refuse(client, verdict.status, verdict.message);
    report(req.client, start, {
      method: 'CONNECT',
      ...dest,
      decision: 'deny',
      rule: verdict.rule,
      outcome: verdict.outcome,
      status: verdict.status,
    });
    return;
  }
  const intercept = ctx.interceptTunnel?.(dest.host, dest.port);
  if (intercept !== undefined) {
    client.write(ESTABLISHED);
    report(req.client, start, {
      method: 'CONNECT',
      ...dest,
      decision: 'allow',
      rule: verdict.rule,
      outcome: 'intercepted',
      status: 200,
    });
    // An accepted client that reads with onread pushes its bytes to its readable side from here.
    if (client instanceof Socket) onreadClients.get(client)?.toStream();
    intercept(client, head);
    return;
  }
  const proxy = ctx.upstreamFor(dest);
  const route = proxy ? 'upstream-proxy' : 'direct';
  /** The client went before it was answered: nothing to answer, but the attempt has its event. */
  const abandoned = (error: string | undefined) =>
    report(req.client, start, {
      method: 'CONNECT',
      ...dest,
      decision: 'allow',
      rule: verdict.rule,
      outcome: 'abandoned',
      status: 0,
      route,
      ...(error !== undefined ? { error } : {}),
    });
  // A CONNECT that waited behind requests on its connection (proxy.ts) may have lost its client.
  if (client.destroyed) {
    abandoned(undefined);
    return;
  }
  // Only a client socket can be spliced with reused buffers (see tunnel.ts), on a runtime
  // whose handles read into them; else the tunnel pipes.
  const plan = client instanceof Socket && readsIntoBuffers(client) ? planTunnel() : undefined;
  // A client that goes while the destination is dialled ends the attempt there; the dial runs
  // on (up to connectTimeoutMs) and its connection is dropped.
  let gone = false;
  const onGone = () => {
    gone = true;
    abandoned(undefined);
  };
  client.once('close', onGone);
  openTunnel(dest, proxy, via, connectTimeoutMs, plan?.serverOnread, verdict.lookup, (err, tunnel) => {
    client.off('close', onGone);
    if (gone || client.destroyed) {
      tunnel?.socket.destroy();
      if (!gone) abandoned(err?.code);
      return;
    }
    if (err !== undefined || tunnel === undefined) {
      const e = err ?? new UpstreamConnectError('no connection', 'ECONNERROR', 502);
      refuse(client, e.status, `Airlock egress proxy: ${e.message}`);
      report(req.client, start, {
        method: 'CONNECT',
        ...dest,
        ...unreached(e.code),
        rule: verdict.rule,
        status: e.status,
        route,
        error: e.code,
      });
      return;
    }
    const server = tunnel.socket;
    client.write(ESTABLISHED);
    if (tunnel.leftover.length > 0) client.write(tunnel.leftover);
    if (head.length > 0) server.write(head);
    let mode: SplicedTunnel['mode'] = 'pipe';
    if (client instanceof Socket && plan !== undefined) {
      // The client socket may be re-created around its handle: track the one that stays.
      client.off('close', untrack);
      open.delete(client);
      const spliced = splice(client, server, () => open.delete(spliced.client), plan, tunnel.readsWithOnread);
      open.add(spliced.client);
      mode = spliced.mode;
    } else {
      server.on('error', () => client.destroy());
      server.on('close', () => client.destroy());
      client.on('close', () => server.destroy());
      client.pipe(server);
      server.pipe(client);
    }
    report(req.client, start, {
      method: 'CONNECT',
      ...dest,
      decision: 'allow',
      rule: verdict.rule,
      outcome: 'tunnel',
      status: 200,
      route: tunnel.route,
      tunnel: mode,
    });
  });
}

/**
 * The fast path (handles.ts): a CONNECT read on an accepted handle, allowed by `rule`, straight
 * to `dest`, with no interception hook. Dialled, answered and tunnelled on handles; the `200`
 * goes out in the tick the connection completes, the event after it. `rest`: bytes after the head.
 */
export function connectDirect(
  ctx: ConnectContext,
  req: ConnectRequest,
  client: AcceptedClient,
  rest: Buffer,
  dest: Destination,
  allowed: Allowed,
  start = performance.now(),
): void {
  const { report, open } = ctx;
  const { rule } = allowed;
  /** The dial ended; before that, the tunnel ends only when its client goes or the proxy closes. */
  let dialled = false;
  const tunnel = new HandleTunnel(client.handle, () => {
    open.delete(tunnel);
    // dialHandle gives up a dial whose tunnel ended and calls back no more: the event is made here.
    if (!dialled) report(req.client, start, directTunnelFields(dest, rule, 'abandoned', 0));
  });
  open.add(tunnel);
  // The event is made after the answer, possibly after a short tunnel closed: keep its address.
  tunnel.beforeEnd = () => void client.peer();
  client.hold(rest, () => tunnel.destroy());
  dialHandle(tunnel, dest.host, dest.port, ctx.connectTimeoutMs, allowed.lookup, (err, server, unread) => {
    dialled = true;
    if (err !== undefined || server === undefined) {
      const e = err ?? new UpstreamConnectError('no connection', 'ECONNERROR', 502);
      // The client stays tracked until it closed after the answer.
      open.delete(tunnel);
      open.add(client);
      client.afterClose = () => open.delete(client);
      client.answer(rawAnswer(e.status, `Airlock egress proxy: ${e.message}`));
      const { decision, outcome } = unreached(e.code);
      const fields = directTunnelFields(dest, rule, outcome, e.status);
      fields.decision = decision;
      fields.error = e.code;
      report(req.client, start, fields);
      return;
    }
    writeHandle(client.handle, ESTABLISHED);
    for (const chunk of unread) writeHandle(client.handle, chunk);
    const clientEnded = client.ended;
    tunnel.open(server, client.takeHeld(), clientEnded);
    const fields = directTunnelFields(dest, rule, 'tunnel', 200);
    fields.tunnel = 'buffers';
    report(req.client, start, fields);
  });
}

/** The event fields of an allowed, direct CONNECT on the fast path (one object, no spreads). */
function directTunnelFields(
  dest: Destination,
  rule: string,
  outcome: ReportFields['outcome'],
  status: number,
): ReportFields {
  return {
    method: 'CONNECT',
    host: dest.host,
    port: dest.port,
    decision: 'allow',
    rule,
    outcome,
    status,
    route: 'direct',
  };
}
