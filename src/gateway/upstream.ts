/**
 * Connections to the providers: one undici dispatcher for all upstreams (keep-alive pools per
 * origin), optionally through a corporate proxy, and the mapping of connection failures to
 * the gateway's own errors.
 */
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { isLoopback } from '../egress/ip.js';
import { AirlockError, type Provider } from '../errors.js';

/** Connections to the upstreams, all origins together, and requests waiting for one. */
export interface UpstreamStats {
  connected: number;
  /** Requests waiting for a free connection (limits.max_upstream_connections reached). */
  queued: number;
}

export interface Upstreams {
  /** The dispatcher for a provider: through the corporate proxy, unless its upstream is loopback. */
  dispatcher(provider: Provider): Dispatcher;
  /** Origin (`https://host:port`) and base path (no trailing slash) per provider. */
  target(provider: Provider): { origin: string; basePath: string };
  close(): Promise<void>;
  stats(): UpstreamStats;
}

export function createUpstreams(config: Config): Upstreams {
  const { timeouts } = config;
  const poolOptions = {
    // Per origin: a request past it waits for a free connection (undici's pool queue).
    connections: config.limits.max_upstream_connections,
    connect: { timeout: timeouts.connect_ms },
    headersTimeout: timeouts.headers_ms,
    bodyTimeout: timeouts.idle_ms,
    keepAliveTimeout: 30_000,
    // Pipelining would let one slow stream hold back another request's answer.
    pipelining: 1,
  };
  const direct = new Agent(poolOptions);
  const proxied = config.upstream_proxy
    ? new ProxyAgent({ uri: config.upstream_proxy, ...poolOptions })
    : undefined;
  // A ProxyAgent keeps its pools in an Agent of its own, which it does not expose: found among
  // its fields for the stats (left out if undici stops keeping it there).
  const agents = [direct];
  if (proxied) {
    const fields = proxied as unknown as Record<symbol, unknown>;
    const inner = Object.getOwnPropertySymbols(proxied)
      .map((key) => fields[key])
      .find((value): value is Agent => value instanceof Agent);
    if (inner) agents.push(inner);
  }
  const targets = new Map<Provider, { origin: string; basePath: string; dispatcher: Dispatcher }>();
  for (const provider of ['anthropic', 'openai', 'gemini'] as const) {
    const url = new URL(config.upstreams[provider]);
    // A corporate proxy cannot reach this machine's loopback (a local relay, the simulator).
    const dispatcher = proxied && !isLoopback(url.hostname) ? proxied : direct;
    targets.set(provider, { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), dispatcher });
  }
  return {
    dispatcher: (provider) => targets.get(provider)!.dispatcher,
    target: (provider) => targets.get(provider)!,
    close: async () => {
      await Promise.all([direct.close(), proxied?.close()]);
    },
    stats: () => {
      const out: UpstreamStats = { connected: 0, queued: 0 };
      for (const agent of agents) {
        const pools = agent.stats;
        for (const origin in pools) {
          const pool = pools[origin]!;
          // A pool's; a single connection (max_upstream_connections 1) is a Client's.
          out.connected += Number(pool.connected);
          out.queued += 'queued' in pool ? pool.queued : pool.pending;
        }
      }
      return out;
    },
  };
}

/** Connect, headers (timeouts.headers_ms) and silence within an answer (timeouts.idle_ms). */
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** zlib's and brotli's error codes: the answer's bytes are not in its content-encoding. */
const DECODE_ERROR = /^(?:Z_|ERR__)/;

/**
 * An upstream request or answer that failed, as the gateway reports it: not reached (no answer
 * began), timed out, an answer whose bytes do not decode, or one that broke off. `answered`: the
 * answer's status and headers had arrived, so the upstream was reached.
 */
export function upstreamError(err: unknown, origin: string, answered = false): AirlockError {
  const code = (err as { code?: string }).code ?? '';
  const reason = `${origin}: ${code || (err as Error).message}`;
  if (TIMEOUT_CODES.has(code)) return new AirlockError('AIRLOCK_UPSTREAM_TIMEOUT', reason, { cause: err });
  if (!answered) return new AirlockError('AIRLOCK_UPSTREAM_UNREACHABLE', reason, { cause: err });
  if (DECODE_ERROR.test(code)) return new AirlockError('AIRLOCK_UPSTREAM_BAD_ANSWER', reason, { cause: err });
  return new AirlockError('AIRLOCK_UPSTREAM_BROKE_OFF', reason, { cause: err });
}
