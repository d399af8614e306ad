/**
 * The gateway's Prometheus metrics: fed one finished exchange at a time (`observe`, wired to the
 * gateway's `onExchange`), one request refused before routing at a time (`observeRefused`, its
 * `onRefused`) and one egress attempt at a time (`observeEgress`), served on `GET /metrics`.
 * Labels are bounded sets (provider, dialect, status, decision, category, action, reason), never
 * a path, model or client string, so the series count stays small.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EgressEvent } from '../egress/events.js';
import type { Exchange } from '../gateway/exchange.js';
import { REFUSED_REASONS, type RefusedReason } from '../gateway/refused.js';
import type { GatewayStats, RouteHandler } from '../gateway/server.js';
import type { ConnectionStats } from '../egress/connection-bound.js';
import { registerAuditMetrics, type AuditHealth } from './audit.js';
import { CallbackCounter, CallbackGauge, Counter, Histogram, Registry } from './registry.js';

export interface MetricsOptions {
  /** Events waiting in the audit recorder's queue (read on each scrape); omitted when absent. */
  auditQueueDepth?: () => number | undefined;
  /** Events waiting in the audit spool file because the store is down. */
  auditSpoolDepth?: () => number | undefined;
  /** The audit recorder's drops, refusals, store errors and spool state (metrics/audit.ts). */
  auditHealth?: () => AuditHealth;
  /** The gateway's connections and held answers (read on each scrape); omitted while undefined. */
  gatewayStats?: () => GatewayStats | undefined;
  /** The egress proxy's client connections (read on each scrape); omitted while undefined. */
  egressStats?: () => ConnectionStats | undefined;
  /** URL path of the exposition; default `/metrics`. */
  path?: string;
}

export interface Metrics {
  observe(ex: Exchange): void;
  observeEgress(event: EgressEvent): void;
  /** Counts a request the gateway refused before any route took it (wired to its `onRefused`). */
  observeRefused(reason: RefusedReason): void;
  /** The text exposition, as served. */
  render(): string;
  /** Serves `GET|HEAD <path>`; returns false for every other URL. */
  route: RouteHandler;
  readonly registry: Registry;
}

/** Seconds: from a fast local inspection (1 ms) to a long non-streamed answer (10 min). */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];
const INSPECT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** Finding actions that change what leaves: the request went out pseudonymized. */
const REWRITING_ACTIONS = new Set(['pseudonymize', 'redact', 'strip']);

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The audit vocabulary for a request's decision: what happened to it. A forwarded request with
 * rewritten values is `pseudonymize`. In monitor mode nothing is rewritten or blocked: the
 * decision is `forward`, and the findings' actions say what enforce would have done (a chart of
 * blocked requests must not count requests that went out).
 */
export function exchangeDecision(ex: Exchange): string {
  if (ex.decision !== 'forward' || ex.summary?.mode === 'monitor') return ex.decision;
  return ex.summary?.findings.some((f) => REWRITING_ACTIONS.has(f.action)) ? 'pseudonymize' : 'forward';
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const requests = registry.register(
    new Counter(
      'airlock_requests_total',
      'Gateway requests by provider, dialect, status and decision (what happened: forward in monitor mode).',
      ['provider', 'dialect', 'status', 'decision'],
    ),
  );
  const findings = registry.register(
    new Counter('airlock_findings_total', 'Findings in gateway requests by category and the action taken.', [
      'category',
      'action',
    ]),
  );
  const aborted = registry.register(
    new Counter(
      'airlock_requests_aborted_total',
      'Requests the client closed before the answer was complete.',
      ['provider'],
    ),
  );
  const upstreamErrors = registry.register(
    new Counter(
      'airlock_upstream_errors_total',
      'Upstream failures (unreachable, timeout, broken answer) by error code.',
      ['provider', 'code'],
    ),
  );
  const bytesIn = registry.register(
    new Counter('airlock_request_bytes_total', 'Request body bytes received from clients.', ['provider']),
  );
  const bytesOut = registry.register(
    new Counter('airlock_response_bytes_total', 'Answer bytes sent to clients.', ['provider']),
  );
  const total = registry.register(
    new Histogram(
      'airlock_request_duration_seconds',
      'Whole exchange, first request byte to last answer byte.',
      ['provider'],
      LATENCY_BUCKETS,
    ),
  );
  const upstream = registry.register(
    new Histogram(
      'airlock_upstream_duration_seconds',
      'Upstream dispatch until its response headers arrived.',
      ['provider'],
      LATENCY_BUCKETS,
    ),
  );
  const inspect = registry.register(
    new Histogram(
      'airlock_inspect_duration_seconds',
      'Inspection: detection, policy and rewriting.',
      ['provider'],
      INSPECT_BUCKETS,
    ),
  );
  const refused = registry.register(
    new Counter(
      'airlock_refused_requests_total',
      'Requests refused before any route took it (never forwarded, not in the audit log), by reason.',
      ['reason'],
    ),
  );
  // Every reason from the start: a rate over a series that appears only with its first count
  // misses that count.
  for (const reason of REFUSED_REASONS) refused.inc({ reason }, 0);
  const egress = registry.register(
    new Counter('airlock_egress_total', 'Egress proxy attempts by decision and outcome.', [
      'decision',
      'outcome',
    ]),
  );
  const tunnels = registry.register(
    new Counter(
      'airlock_egress_tunnels_total',
      'Egress tunnels opened, by how they move bytes: buffers (reused read buffers), pipe or mixed (the stream fallback).',
      ['mode'],
    ),
  );
  if (options.auditQueueDepth) {
    registry.register(
      new CallbackGauge(
        'airlock_audit_queue_depth',
        'Audit events waiting to be written to the store.',
        options.auditQueueDepth,
      ),
    );
  }
  if (options.auditSpoolDepth) {
    registry.register(
      new CallbackGauge(
        'airlock_audit_spool_depth',
        'Audit events spooled to disk while the store is unavailable.',
        options.auditSpoolDepth,
      ),
    );
  }
  if (options.auditHealth) registerAuditMetrics(registry, options.auditHealth);
  const { gatewayStats } = options;
  if (gatewayStats) {
    const read = (value: (s: GatewayStats) => number) => () => {
      const stats = gatewayStats();
      return stats && value(stats);
    };
    registry.register(
      new CallbackGauge(
        'airlock_client_connections',
        'Client connections open to the gateway (limits.max_connections served, and a 32nd more answered 503).',
        read((s) => s.clientConnections),
      ),
    );
    registry.register(
      new CallbackCounter(
        'airlock_connections_refused_total',
        'Client connections closed as soon as accepted: the gateway had limits.max_connections open.',
        read((s) => s.connectionsRefused),
      ),
    );
    registry.register(
      new CallbackGauge(
        'airlock_upstream_connections',
        'Connections open to the upstreams, all origins (at most limits.max_upstream_connections each).',
        read((s) => s.upstreamConnections),
      ),
    );
    registry.register(
      new CallbackGauge(
        'airlock_upstream_requests_queued',
        'Requests waiting for a free upstream connection (limits.max_upstream_connections reached).',
        read((s) => s.upstreamQueued),
      ),
    );
    registry.register(
      new CallbackGauge(
        'airlock_answers_held_bytes',
        'Bytes of non-streamed answers held whole to restore their surrogates (at most limits.max_answers_held).',
        read((s) => s.answersHeld),
      ),
    );
  }

  const { egressStats } = options;
  if (egressStats) {
    registry.register(
      new CallbackGauge(
        'airlock_egress_client_connections',
        'Client connections open to the egress proxy, tunnels included (egress_proxy.max_connections served, and a 32nd more answered 503).',
        () => egressStats()?.clientConnections,
      ),
    );
    registry.register(
      new CallbackCounter(
        'airlock_egress_connections_full_total',
        'Client connections the egress proxy answered 503 and closed: it served egress_proxy.max_connections.',
        () => egressStats()?.connectionsFull,
      ),
    );
    registry.register(
      new CallbackCounter(
        'airlock_egress_connections_refused_total',
        'Client connections the egress proxy closed as soon as accepted: it served egress_proxy.max_connections and its reserve was full.',
        () => egressStats()?.connectionsRefused,
      ),
    );
  }

  const path = options.path ?? '/metrics';

  function observe(ex: Exchange): void {
    const provider = ex.provider;
    requests.inc({
      provider,
      dialect: ex.dialect,
      status: String(ex.status),
      decision: exchangeDecision(ex),
    });
    for (const f of ex.summary?.findings ?? [])
      findings.inc({ category: f.finding.category, action: f.action });
    if (ex.aborted) aborted.inc({ provider });
    if (ex.errorCode?.startsWith('AIRLOCK_UPSTREAM_')) upstreamErrors.inc({ provider, code: ex.errorCode });
    bytesIn.inc({ provider }, ex.bytesIn);
    bytesOut.inc({ provider }, ex.bytesOut);
    total.observe({ provider }, ex.latencyMs / 1000);
    if (ex.upstreamMs !== undefined) upstream.observe({ provider }, ex.upstreamMs / 1000);
    // A request refused before inspection (bad JSON, too large) has no inspection to time.
    if (ex.summary) inspect.observe({ provider }, ex.inspectMs / 1000);
  }

  function observeEgress(event: EgressEvent): void {
    egress.inc({ decision: event.decision, outcome: event.outcome });
    if (event.tunnel !== undefined) tunnels.inc({ mode: event.tunnel });
  }

  function observeRefused(reason: RefusedReason): void {
    refused.inc({ reason });
  }

  function render(): string {
    return registry.render();
  }

  const route: RouteHandler = function metricsRoute(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== path) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return true;
    }
    const body = render();
    res.writeHead(200, {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };

  return { observe, observeEgress, observeRefused, render, route, registry };
}
