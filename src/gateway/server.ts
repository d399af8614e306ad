/**
 * The gateway's HTTP server: provider routes, health, and the probes clients send to their
 * base URL. node:http directly rather than a framework: the gateway has three prefixes and
 * must stream bodies untouched, which is what frameworks' body parsing and reply serialization
 * get in the way of (see the benchmark against a byte pass-through proxy).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AirlockError } from '../errors.js';
import { answerClientError } from './client-error.js';
import type { ExchangeListener, ExchangeReporter } from './exchange.js';
import { lingerOnEarlyAnswer } from './linger.js';
import { passThroughInspector, type Inspector } from './inspector.js';
import { proxyRequest, type ProxyContext } from './proxy.js';
import { sendError, sendJson } from './respond.js';
import type { RefusedListener } from './refused.js';
import { matchProvider } from './routes.js';
import { createUpstreams } from './upstream.js';
import { fromAnotherSite, hostGuard } from './web-guard.js';
import { minuteBound } from '../minute-bound.js';
import { connectionReserve, CONNECTIONS_FULL_RETRY_AFTER_S, RESERVE_HEAD_MS } from '../connection-reserve.js';

/** Extra routes mounted by other parts (dashboard, metrics); return true when handled. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface GatewayOptions {
  config: Config;
  inspector?: Inspector;
  onInspectError?: 'block' | 'allow';
  onExchange?: ExchangeReporter;
  /** Called while the upstream works on a forwarded request (see ProxyContext.onForwarded). */
  onForwarded?: ExchangeListener;
  /** Refuses new provider requests while it returns an error (e.g. the audit spool is full). */
  admit?: () => AirlockError | undefined;
  /** Keep the body that left on each exchange (the audit log's optional forensic copy). */
  captureBody?: boolean;
  routes?: RouteHandler[];
  /** Told of each request refused before any route took it (the metrics count them). */
  onRefused?: RefusedListener;
  logger?: Logger;
}

/** What the gateway holds now, for /metrics (read when scraped). */
export interface GatewayStats {
  /** Client connections open (limits.max_connections served, and its reserve: connectionReserve). */
  clientConnections: number;
  /** Client connections closed as soon as accepted, the gateway holding limits.max_connections. */
  connectionsRefused: number;
  /** Connections to the upstreams, all origins together. */
  upstreamConnections: number;
  /** Requests waiting for a free upstream connection (limits.max_upstream_connections reached). */
  upstreamQueued: number;
  /** Bytes of non-streamed answers held whole to restore them (at most limits.max_answers_held). */
  answersHeld: number;
}

export interface Gateway {
  url: string;
  host: string;
  port: number;
  server: Server;
  logger: Logger;
  /** Replaces the inspector for the requests that start from now on (policy reload). */
  setInspector(inspector: Inspector, onInspectError?: 'block' | 'allow'): void;
  /** Stops accepting, lets answers in flight finish for up to `graceMs`, then cuts them. */
  close(graceMs?: number): Promise<void>;
  stats(): GatewayStats;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    // Credentials never reach a log line, whatever a caller passes in.
    redact: {
      paths: [
        '*.headers.authorization',
        '*.headers["x-api-key"]',
        '*.headers["x-goog-api-key"]',
        '*.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}

/** `http://host:port/` before a request target's path (the slash kept, or added for none). */
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*\/?/i;

/** Log lines a minute for requests the web guard refuses; the metric counts every one. */
export const WEB_PAGE_LOG_LINES_PER_MINUTE = 10;

/** Log lines a minute for connections refused past limits.max_connections; the metric counts all. */
const CONNECTION_LOG_LINES_PER_MINUTE = 1;

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.log_level);
  const upstreams = createUpstreams(config);
  const ctx: ProxyContext = {
    config,
    upstreams,
    inspector: opts.inspector ?? passThroughInspector,
    onInspectError: opts.onInspectError ?? 'block',
    onExchange: opts.onExchange,
    onForwarded: opts.onForwarded,
    admit: opts.admit,
    captureBody: opts.captureBody,
    exchangesInFlight: 0,
    answersHeld: 0,
    log: logger,
  };
  const extra = opts.routes ?? [];
  const foreignHost = hostGuard(config.listen.host);
  const refused: RefusedListener = opts.onRefused ?? (() => {});

  const maxHeaderSize = 64 * 1024;
  const server = createServer({ maxHeaderSize, keepAliveTimeout: 65_000 }, (req, res) => {
    if (inReserve.has(req.socket) && !leaveReserve(req.socket)) {
      refuseInReserve(req, res);
      return;
    }
    void dispatch(req, res);
  });
  // A request body can take long to arrive: its silence is bounded instead (timeouts.body_idle_ms,
  // in the body's readers), and upstream timeouts bound the rest.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  // limits.max_connections are served. A few more (the reserve) are accepted only to answer
  // their first request with a 503 in its provider's shape, which a client shows and retries
  // after `retry-after`, unless one of the served closed by then. Past those node:http closes a
  // new connection as soon as it is accepted ('drop'): the client sees its connection closed
  // before any answer, which the SDKs retry as a connection error.
  const maxConnections = config.limits.max_connections;
  server.maxConnections = maxConnections + connectionReserve(maxConnections);
  let clientConnections = 0;
  let connectionsRefused = 0;
  /** Connections among the max_connections served (the others are in the reserve). */
  let served = 0;
  const inReserve = new WeakMap<Socket, NodeJS.Timeout>();
  const serve = (socket: Socket) => {
    served++;
    socket.once('close', () => served--);
  };
  /** A reserve connection is served when one of the served closed before its request came. */
  const leaveReserve = (socket: Socket): boolean => {
    if (served >= maxConnections) return false;
    clearTimeout(inReserve.get(socket));
    inReserve.delete(socket);
    serve(socket);
    return true;
  };
  server.on('connection', (socket: Socket) => {
    clientConnections++;
    socket.once('close', () => clientConnections--);
    if (served < maxConnections) {
      serve(socket);
      return;
    }
    // Its head within RESERVE_HEAD_MS (of at most maxHeaderSize), its body left unread: it is
    // answered at once, then closed as linger.ts closes early answers.
    const deadline = setTimeout(() => socket.destroy(), RESERVE_HEAD_MS);
    deadline.unref();
    inReserve.set(socket, deadline);
    socket.once('close', () => clearTimeout(deadline));
  });
  const reserveLogBound = minuteBound(CONNECTION_LOG_LINES_PER_MINUTE);
  function refuseInReserve(req: IncomingMessage, res: ServerResponse): void {
    clearTimeout(inReserve.get(req.socket));
    if (req.url !== undefined && ABSOLUTE_FORM.test(req.url)) req.url = req.url.replace(ABSOLUTE_FORM, '/');
    const route = matchProvider(req.url ?? '/');
    refused('connections_full');
    if (reserveLogBound() === 'take')
      logger.warn(
        `a request was answered 503 AIRLOCK_CONNECTIONS_FULL: the gateway serves ${maxConnections} connections ` +
          '(limits.max_connections); the rest of this minute are only counted in ' +
          'airlock_refused_requests_total{reason="connections_full"} on /metrics',
      );
    res.setHeader('connection', 'close');
    res.setHeader('retry-after', String(CONNECTIONS_FULL_RETRY_AFTER_S));
    sendError(
      res,
      route?.provider,
      new AirlockError('AIRLOCK_CONNECTIONS_FULL', `${maxConnections} connections are being served`),
    );
  }
  const connectionLogBound = minuteBound(CONNECTION_LOG_LINES_PER_MINUTE);
  server.on('drop', () => {
    connectionsRefused++;
    if (connectionLogBound() === 'take')
      logger.warn(
        `a client connection was closed as soon as accepted: the gateway has ${maxConnections} open ` +
          '(limits.max_connections); the rest of this minute are only counted in airlock_connections_refused_total on /metrics',
      );
  });
  server.on('clientError', (err, socket) => {
    const reason = answerClientError(
      err,
      socket,
      { maxHeaderSize, headersTimeoutMs: server.headersTimeout },
      logger,
    );
    if (reason !== undefined) refused(reason);
  });

  // A web page can make a browser repeat a refused request in a loop: one line each would
  // fill the log's disk.
  const webPageLogBound = minuteBound(WEB_PAGE_LOG_LINES_PER_MINUTE);

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // RFC 9112 §3.2.2: a server accepts a request target in absolute form (a client that was
    // told the gateway is its proxy). Its path, exactly as sent, is then routed and checked
    // like any other.
    if (req.url !== undefined && ABSOLUTE_FORM.test(req.url)) req.url = req.url.replace(ABSOLUTE_FORM, '/');
    const url = req.url ?? '/';
    const route = matchProvider(url);
    const host = foreignHost(req.headers);
    const site = fromAnotherSite(req.method, req.headers);
    if (host !== undefined || site !== undefined) {
      const time = Date.now();
      const verdict = webPageLogBound();
      if (verdict === 'take')
        logger.warn(
          { host, site, method: req.method, path: url.split('?')[0] },
          'request from a web page refused',
        );
      else if (verdict === 'first-over')
        logger.warn(
          `more than ${WEB_PAGE_LOG_LINES_PER_MINUTE} requests from web pages refused within a minute: ` +
            'the rest of this minute are not logged, only counted in airlock_refused_requests_total on /metrics',
        );
      const err =
        host !== undefined
          ? new AirlockError('AIRLOCK_FOREIGN_HOST', JSON.stringify(host))
          : new AirlockError('AIRLOCK_FROM_WEB_PAGE', `Sec-Fetch-Site: ${site}`);
      refused(host !== undefined ? 'foreign_host' : 'cross_site', {
        time,
        method: req.method,
        // As an exchange's event has it: the provider's path, without the gateway's prefix.
        path: route ? route.path + route.search : url,
        provider: route?.provider,
        userAgent: req.headers['user-agent'],
        status: err.status,
        code: err.code,
      });
      sendError(res, route?.provider, err);
      return;
    }
    if (route) {
      // Clients probe their base URL itself (Claude Code sends HEAD /anthropic first).
      if (route.path === '/' && (req.method === 'HEAD' || req.method === 'GET')) {
        sendJson(res, 200, { status: 'ok', gateway: 'airlock', provider: route.provider });
        return;
      }
      await proxyRequest(ctx, route, req, res);
      return;
    }
    // The answers below are written before a body they do not read (POST /metrics: 405).
    lingerOnEarlyAnswer(res);
    if (url === '/healthz' || url.startsWith('/healthz?')) {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    for (const handler of extra) {
      try {
        if (await handler(req, res)) {
          if (res.statusCode === 405) refused('method_not_allowed');
          return;
        }
      } catch (err) {
        logger.error({ err }, 'route failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
        return;
      }
    }
    const err = new AirlockError('AIRLOCK_UNKNOWN_ROUTE', url.split('?')[0] ?? url);
    // Most often a client whose base URL lacks the provider prefix: the audit log shows which.
    refused('unknown_route', {
      time: Date.now(),
      method: req.method,
      path: url,
      provider: undefined,
      userAgent: req.headers['user-agent'],
      status: err.status,
      code: err.code,
    });
    sendError(res, undefined, err);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    host: address.address,
    port: address.port,
    server,
    logger,
    setInspector(inspector, onInspectError) {
      ctx.inspector = inspector;
      if (onInspectError) ctx.onInspectError = onInspectError;
    },
    stats() {
      const upstream = upstreams.stats();
      return {
        clientConnections,
        connectionsRefused,
        upstreamConnections: upstream.connected,
        upstreamQueued: upstream.queued,
        answersHeld: ctx.answersHeld,
      };
    },
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
      await upstreams.close();
    },
  };
}
