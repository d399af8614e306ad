/**
 * Absolute-URI requests (`GET http://host/path HTTP/1.1`, what clients send to an HTTP_PROXY for
 * plain-http URLs): forwarded with end-to-end headers only, `Via` appended, streamed both ways.
 * Nothing here decides; the proxy calls it after the policy allowed the destination.
 */
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LookupFunction, Socket } from 'node:net';
import { formatAuthority, type Destination } from './host-pattern.js';
import { appendVia, endToEndHeaders } from './headers.js';
import { answerPlain } from './respond.js';
import type { UpstreamProxy } from './upstream.js';
import { HOST_LOCAL_CODE } from './host-local.js';

export interface ForwardResult {
  status: number;
  route: 'direct' | 'upstream-proxy';
  /** Network error code when the destination could not be reached. */
  error?: string;
}

export interface HttpForwarder {
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    dest: Destination,
    proxy: UpstreamProxy | undefined,
    /** For a direct request: the name lookup (host-local.ts); an upstream proxy resolves names itself. */
    lookup?: LookupFunction,
  ): Promise<ForwardResult>;
  close(): void;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

export interface ForwarderTimeouts {
  /** Connecting to the destination or the upstream proxy (the proxy's connectTimeoutMs). */
  connectMs: number;
  /** From the request sent to the answer's head. */
  answerMs: number;
}

export function createHttpForwarder(via: string, timeouts: ForwarderTimeouts): HttpForwarder {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    dest: Destination,
    proxy: UpstreamProxy | undefined,
    lookup?: LookupFunction,
  ): Promise<ForwardResult> {
    const route = proxy === undefined ? 'direct' : 'upstream-proxy';
    const headers = endToEndHeaders(req.headers);
    headers.host = url.host;
    headers.via = appendVia(req.headers.via, via);
    // Credentials in the URL (http://user:pw@host/) are not passed on: clients that mean them send
    // Authorization themselves, and the path we forward never contains them.
    const path = `${url.pathname}${url.search}`;
    if (proxy?.authorization) headers['proxy-authorization'] = proxy.authorization;
    const upstreamReq = request({
      agent,
      host: proxy?.host ?? dest.host,
      port: proxy?.port ?? dest.port,
      method: req.method,
      // Through a proxy the request target stays absolute (RFC 9112 §3.2.2).
      path: proxy === undefined ? path : `http://${url.host}${path}`,
      headers,
      // Socket idle time before the answer starts; cleared once it does.
      timeout: timeouts.answerMs,
      ...(proxy === undefined && lookup !== undefined ? { lookup } : {}),
    });
    const timedOut = () => Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
    // The connection gets the proxy's connect timeout, as a CONNECT's does (a reused one is connected).
    upstreamReq.once('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => upstreamReq.destroy(timedOut()), timeouts.connectMs);
      const clear = () => clearTimeout(timer);
      socket.once('connect', clear);
      socket.once('close', clear);
    });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: ForwardResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      upstreamReq.on('timeout', () => {
        // Only until the answer starts: a slow body is the client's business.
        if (!res.headersSent) upstreamReq.destroy(timedOut());
      });
      upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
        upstreamReq.setTimeout(0);
        if (proxy !== undefined && upstreamRes.statusCode === 407) {
          // The upstream proxy wants credentials from Airlock, not from the client: passed on, the
          // 407 would ask the client to authenticate to Airlock, which takes none. As for CONNECT
          // (upstream.ts), the status only: the proxy's own message may echo what was sent.
          upstreamRes.resume();
          answerPlain(res, 502, `Airlock egress proxy: upstream proxy ${proxy.display} answered 407`);
          finish({ status: 502, route, error: 'PROXY_407' });
          return;
        }
        const status = upstreamRes.statusCode ?? 502;
        const out = endToEndHeaders(upstreamRes.headers);
        out.via = appendVia(upstreamRes.headers.via, via);
        res.writeHead(status, out);
        upstreamRes.pipe(res);
        upstreamRes.on('error', () => res.destroy());
        finish({ status, route });
      });
      upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? 'ECONNERROR';
        if (!res.headersSent && code === HOST_LOCAL_CODE) {
          answerPlain(res, 403, `Airlock refused ${formatAuthority(dest)}: ${err.message}`);
          finish({ status: 403, route, error: code });
        } else if (!res.headersSent) {
          const status = TIMEOUT_CODES.has(code) ? 504 : 502;
          answerPlain(res, status, `Airlock egress proxy: ${formatAuthority(dest)} unreachable (${code})`);
          finish({ status, route, error: code });
        } else {
          res.destroy();
        }
      });
      // A client that goes away stops the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      req.pipe(upstreamReq);
    });
  }

  return { forward, close: () => agent.destroy() };
}
