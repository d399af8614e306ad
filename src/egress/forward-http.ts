/**
 * Absolute-URI requests (`GET http://host/path HTTP/1.1`, what clients send to an HTTP_PROXY for
 * plain-http URLs): forwarded with end-to-end headers only, `Via` appended, streamed both ways.
 * Nothing here decides; the proxy calls it after the policy allowed the destination.
 */
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Destination } from './host-pattern.js';
import { appendVia, endToEndHeaders } from './headers.js';
import type { UpstreamProxy } from './upstream.js';

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
  ): Promise<ForwardResult>;
  close(): void;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

export function createHttpForwarder(via: string, answerTimeoutMs: number): HttpForwarder {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    dest: Destination,
    proxy: UpstreamProxy | undefined,
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
      // Socket idle time before the answer starts (connect included); cleared once it does.
      timeout: answerTimeoutMs,
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
        if (!res.headersSent) upstreamReq.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
      });
      upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
        upstreamReq.setTimeout(0);
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
        if (!res.headersSent) {
          const status = TIMEOUT_CODES.has(code) ? 504 : 502;
          const body = `Airlock egress proxy: ${dest.host}:${dest.port} unreachable (${code})\n`;
          res.writeHead(status, {
            'content-type': 'text/plain; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            connection: 'close',
          });
          res.end(body);
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
