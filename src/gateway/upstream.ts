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

/** A request's place among the limits.max_upstream_connections requests to its origin. */
export interface UpstreamTurn {
  /** Still waiting for its turn (its `start` has not run). */
  readonly waiting: boolean;
  /**
   * Leaves the line, or, once its request is done with its connection, hands its turn to the next
   * request waiting. Called once; later calls do nothing.
   */
  release(): void;
}

export interface Upstreams {
  /** The dispatcher for a provider: through the corporate proxy, unless its upstream is loopback. */
  dispatcher(provider: Provider): Dispatcher;
  /** Origin (`https://host:port`) and base path (no trailing slash) per provider. */
  target(provider: Provider): { origin: string; basePath: string };
  /**
   * Runs `start` (which dispatches the request) once fewer than limits.max_upstream_connections
   * requests to the provider's origin are under way: at once, or when one of them releases its
   * turn. The gateway keeps this line itself, in front of undici's pool (which has the same
   * bound): undici's own queue has no timeout and no way to take a request out of it, and a
   * request waiting here can leave (timeouts.queue_ms, its client gone) at once, its body freed.
   */
  turn(provider: Provider, start: () => void): UpstreamTurn;
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
  const targets = new Map<
    Provider,
    { origin: string; basePath: string; dispatcher: Dispatcher; line: OriginLine }
  >();
  // One line per origin, as undici keeps one pool per origin (providers may share one).
  const lines = new Map<string, OriginLine>();
  for (const provider of ['anthropic', 'openai', 'gemini'] as const) {
    const url = new URL(config.upstreams[provider]);
    // A corporate proxy cannot reach this machine's loopback (a local relay, the simulator).
    const dispatcher = proxied && !isLoopback(url.hostname) ? proxied : direct;
    let line = lines.get(url.origin);
    if (!line) lines.set(url.origin, (line = new OriginLine(config.limits.max_upstream_connections)));
    targets.set(provider, {
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ''),
      dispatcher,
      line,
    });
  }
  return {
    dispatcher: (provider) => targets.get(provider)!.dispatcher,
    target: (provider) => targets.get(provider)!,
    turn: (provider, start) => targets.get(provider)!.line.take(start),
    close: async () => {
      await Promise.all([direct.close(), proxied?.close()]);
    },
    stats: () => {
      const out: UpstreamStats = { connected: 0, queued: 0 };
      for (const line of lines.values()) out.queued += line.waiting.size;
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

/**
 * The requests to one origin: at most `max` under way (dispatched to undici and not yet done with
 * their connection); the others wait in order, each free to leave.
 */
class OriginLine {
  private active = 0;
  /** The requests waiting, in the order they came (a Set keeps it). */
  readonly waiting = new Set<Turn>();

  constructor(private readonly max: number) {}

  take(start: () => void): UpstreamTurn {
    const turn = new Turn(this, start);
    // Behind those already waiting, even when a turn was just released for the first of them.
    if (this.active < this.max && this.waiting.size === 0) this.begin(turn);
    else this.waiting.add(turn);
    return turn;
  }

  begin(turn: Turn): void {
    turn.state = ACTIVE;
    this.active++;
    turn.start();
  }

  done(): void {
    this.active--;
    // Released from undici's callback for the request (its end or error): the next goes once undici
    // has finished with it, so that it finds that connection free rather than opening another.
    if (this.waiting.size > 0)
      queueMicrotask(() => {
        if (this.active >= this.max) return;
        const next = this.waiting.values().next();
        if (next.done) return;
        this.waiting.delete(next.value);
        this.begin(next.value);
      });
  }
}

const noop = (): void => {};
const WAITING = 0;
const ACTIVE = 1;
const DONE = 2;

/** A class, not an object of closures: one is made for every request. */
class Turn implements UpstreamTurn {
  state = WAITING;

  constructor(
    private readonly line: OriginLine,
    /** Dispatches the request (and holds its body): let go of once the turn is released. */
    public start: () => void,
  ) {}

  get waiting(): boolean {
    return this.state === WAITING;
  }

  release(): void {
    if (this.state === WAITING) this.line.waiting.delete(this);
    else if (this.state === ACTIVE) this.line.done();
    this.state = DONE;
    this.start = noop;
  }
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
