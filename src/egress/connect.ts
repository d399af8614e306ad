/**
 * One CONNECT request: parse the authority-form target, refuse it (loop, policy) or open the
 * tunnel — straight, through the upstream proxy, or handed to the interception seam — then pipe
 * both ways. The bytes of an open tunnel are never parsed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { EgressEvent, EgressOutcome } from './events.js';
import { parseAuthority, type Destination } from './host-pattern.js';
import { answerRaw } from './respond.js';
import { openTunnel, UpstreamConnectError, type UpstreamProxy } from './upstream.js';

export type TunnelHandler = (client: Duplex, head: Buffer) => void;

/** A refusal to answer with, or the rule that lets the destination through. */
export type Verdict =
  { status: number; outcome: EgressOutcome; rule: string; message: string } | { rule: string };

/** What a CONNECT needs from the proxy that received it. */
export interface ConnectContext {
  report(
    req: IncomingMessage,
    start: number,
    fields: Omit<EgressEvent, 'kind' | 'time' | 'latencyMs' | 'client'>,
  ): void;
  check(req: IncomingMessage, dest: Destination): Verdict;
  upstreamFor(dest: Destination): UpstreamProxy | undefined;
  interceptTunnel?: (host: string, port: number) => TunnelHandler | undefined;
  /** This proxy's Via pseudonym, sent on CONNECTs to the upstream proxy. */
  via: string;
  connectTimeoutMs: number;
  /** Open client sockets, destroyed when the proxy closes. */
  open: Set<Duplex>;
}

export async function handleConnect(
  ctx: ConnectContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  const { report, check, via, connectTimeoutMs, open } = ctx;
  const start = performance.now();
  client.on('error', () => client.destroy());
  // Tracked from the start, so that closing the proxy also ends a CONNECT still dialling out.
  open.add(client);
  client.once('close', () => open.delete(client));
  const dest = parseAuthority(req.url ?? '');
  if (dest === undefined) {
    // The raw target is not echoed: it may be anything, credentials included.
    answerRaw(client, 400, 'Airlock egress proxy: CONNECT target must be host:port');
    report(req, start, {
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
  const verdict = check(req, dest);
  if ('status' in verdict) {
    answerRaw(client, verdict.status, verdict.message);
    report(req, start, {
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
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    report(req, start, {
      method: 'CONNECT',
      ...dest,
      decision: 'allow',
      rule: verdict.rule,
      outcome: 'intercepted',
      status: 200,
    });
    intercept(client, head);
    return;
  }
  const proxy = ctx.upstreamFor(dest);
  let tunnel;
  try {
    tunnel = await openTunnel(dest, proxy, via, connectTimeoutMs);
  } catch (err) {
    const e =
      err instanceof UpstreamConnectError ? err : new UpstreamConnectError(String(err), 'ECONNERROR', 502);
    answerRaw(client, e.status, `Airlock egress proxy: ${e.message}`);
    report(req, start, {
      method: 'CONNECT',
      ...dest,
      decision: 'allow',
      rule: verdict.rule,
      outcome: 'upstream_error',
      status: e.status,
      route: proxy ? 'upstream-proxy' : 'direct',
      error: e.code,
    });
    return;
  }
  const server = tunnel.socket;
  if (client.destroyed) {
    server.destroy();
    return;
  }
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (tunnel.leftover.length > 0) client.write(tunnel.leftover);
  if (head.length > 0) server.write(head);
  report(req, start, {
    method: 'CONNECT',
    ...dest,
    decision: 'allow',
    rule: verdict.rule,
    outcome: 'tunnel',
    status: 200,
    route: tunnel.route,
  });
  // Both directions piped; end() propagates half-closes, an error on either side ends both.
  const teardown = () => {
    client.destroy();
    server.destroy();
  };
  server.on('error', teardown);
  client.on('error', teardown);
  server.on('close', teardown);
  client.on('close', teardown);
  client.pipe(server);
  server.pipe(client);
}
