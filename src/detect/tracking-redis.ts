/**
 * The Redis twin of MemoryIdTracker, for several gateways sharing tracking statistics.
 * One counter per (place, id hash), with a time to live so that ids nobody sends any more fade.
 */
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { askRedis, quitOrDrop, REDIS_COMMAND_TIMEOUT_MS, redisWhere } from '../redis-connection.js';
import type { IdTracker } from './tracking.js';

export interface RedisIdTrackerOptions {
  /** A client to use (not closed by close()), or options / a URL to create one. */
  client?: Redis;
  url?: string;
  redis?: RedisOptions;
  /** Key prefix; default `airlock:ids:`. */
  prefix?: string;
  /** Seconds a counter lives after its last observation (default 30 days). */
  ttlSeconds?: number;
}

export class RedisIdTracker implements IdTracker {
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly ttl: number;
  private readonly where: string;

  constructor(opts: RedisIdTrackerOptions = {}) {
    this.owned = opts.client === undefined;
    const defaults: RedisOptions = { maxRetriesPerRequest: 2, commandTimeout: REDIS_COMMAND_TIMEOUT_MS };
    this.client =
      opts.client ??
      (opts.url
        ? new Redis(opts.url, { ...defaults, ...opts.redis })
        : new Redis({ ...defaults, ...opts.redis }));
    this.where = opts.url ? redisWhere(opts.url) : 'the configured Redis';
    // Connection errors surface as failed observations (on_error decides); without a listener
    // ioredis would also print each reconnection failure to stderr.
    if (this.owned) this.client.on('error', () => {});
    this.prefix = opts.prefix ?? 'airlock:ids:';
    this.ttl = opts.ttlSeconds ?? 30 * 24 * 3600;
  }

  async observe(place: string, idHash: string): Promise<number> {
    // The place is hashed too: keys stay short and carry no header or path names.
    const key = `${this.prefix}${createHash('sha256').update(place).digest('hex').slice(0, 16)}:${idHash}`;
    const res = await askRedis(
      `the Redis tracking store at ${this.where}`,
      this.client.multi().incr(key).expire(key, this.ttl).exec(),
    );
    const incr = res?.[0];
    if (!incr || incr[0]) throw incr?.[0] ?? new Error('redis transaction aborted');
    return Number(incr[1]);
  }

  async close(): Promise<void> {
    if (this.owned) await quitOrDrop(this.client);
  }
}
