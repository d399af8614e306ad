/**
 * The vault in Redis (`vault: redis://...`), shared by several gateways so that a surrogate
 * chosen by one is restored by all. Two hashes under one hash tag (same cluster slot); the claim
 * is one Lua script, so two gateways racing for the same surrogate cannot both win.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { askRedis, quitOrDrop, REDIS_COMMAND_TIMEOUT_MS, redisWhere } from '../redis-connection.js';
import type { Vault } from './vault.js';

const CLAIM = `
if ARGV[3] ~= '' then
  local linked = redis.call('HGET', KEYS[2], ARGV[3])
  if linked then return linked end
end
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing and existing ~= ARGV[2] then return false end
if not existing then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[1]) end
return ARGV[1]
`;

/** Replaces an original stored in clear by its sealed text, unless another gateway did first. */
const SEAL_IF_UNCHANGED = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
`;

/** An original stored sealed, whatever the seal's version (see vault-seal.ts). */
const SEALED = /^sealed:v\d+:/;

export interface RedisVaultOptions {
  /** Key prefix; the `{...}` hash tag keeps both hashes in one cluster slot. */
  prefix?: string;
  /** A command unanswered for this long fails (default REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
  /** How often the vault's epoch is read (default EPOCH_CHECK_MS; 0: only on connecting). */
  epochCheckMs?: number;
}

/**
 * How often each gateway reads the vault's epoch. A Redis that restarts is noticed on
 * reconnecting at once; a flush without a restart within this time.
 */
export const EPOCH_CHECK_MS = 10_000;

export class RedisVault implements Vault {
  private readonly redis: Redis;
  private readonly originals: string;
  private readonly links: string;
  private readonly grants: string;
  private readonly where: string;
  private readonly epochKey: string;
  /** The epoch last read: a random token the first gateway to find none writes. */
  private epoch: string | undefined;
  private readonly epochTimer: NodeJS.Timeout | undefined;
  /** See Vault.generation: up by one each time the epoch read is not the one read before. */
  generation = 0;
  /** The last connection error, for diagnostics. */
  lastError: Error | undefined;

  constructor(url: string, options: RedisVaultOptions = {}) {
    // Fail a request fast rather than queueing it forever when Redis is down or does not
    // answer: on_error decides.
    this.redis = new Redis(url, {
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      lazyConnect: false,
      commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    });
    this.where = redisWhere(url);
    // Connection errors surface as rejected commands (and then on_error decides); without a
    // listener ioredis would also print each one to stderr.
    this.redis.on('error', (err: Error) => {
      this.lastError = err;
    });
    const prefix = options.prefix ?? 'airlock:{vault}:';
    this.originals = `${prefix}originals:v1`;
    this.links = `${prefix}links:v1`;
    // One hash of `scope \0 surrogate` fields (not a set per scope): one key to clear, one slot.
    this.grants = `${prefix}grants:v1`;
    // A vault that lost its data (a Redis without persistence restarted, a flush) must not be
    // taken for one that still holds this gateway's remembered links: its epoch is gone, and the
    // first gateway to notice writes a new one, which every gateway then reads as a change.
    this.epochKey = `${prefix}epoch:v1`;
    this.redis.on('ready', () => void this.checkEpoch());
    const every = options.epochCheckMs ?? EPOCH_CHECK_MS;
    if (every > 0) this.epochTimer = setInterval(() => void this.checkEpoch(), every).unref();
  }

  /** Reads the epoch (writing one when there is none); a change bumps `generation`. */
  async checkEpoch(): Promise<void> {
    let now: string | null;
    try {
      await this.redis.set(this.epochKey, randomUUID(), 'NX');
      now = await this.redis.get(this.epochKey);
    } catch {
      return; // Redis unreachable: read again when it is back ('ready') or on the next tick
    }
    if (now === null) return;
    if (this.epoch !== undefined && now !== this.epoch) this.generation++;
    this.epoch = now;
  }

  async surrogateOf(valueKey: string): Promise<string | undefined> {
    return (await this.ask(this.redis.hget(this.links, valueKey))) ?? undefined;
  }

  async grant(scope: string, surrogates: readonly string[]): Promise<void> {
    if (surrogates.length === 0) return;
    const fields: string[] = [];
    for (const surrogate of surrogates) fields.push(`${scope}\0${surrogate}`, '1');
    await this.ask(this.redis.hset(this.grants, ...fields));
  }

  async isGranted(scope: string, surrogate: string): Promise<boolean> {
    return (await this.ask(this.redis.hexists(this.grants, `${scope}\0${surrogate}`))) === 1;
  }

  async originalOf(surrogate: string): Promise<string | undefined> {
    return (await this.ask(this.redis.hget(this.originals, surrogate))) ?? undefined;
  }

  async anyOriginal(): Promise<string | undefined> {
    const pair = await this.ask(this.redis.hrandfield(this.originals, 1, 'WITHVALUES'));
    return Array.isArray(pair) && typeof pair[1] === 'string' ? pair[1] : undefined;
  }

  async claim(surrogate: string, original: string, valueKey?: string): Promise<string | undefined> {
    const result: unknown = await this.ask(
      this.redis.eval(CLAIM, 2, this.originals, this.links, surrogate, original, valueKey ?? ''),
    );
    return typeof result === 'string' ? result : undefined;
  }

  async entriesInClear(limit: number): Promise<{ surrogate: string; original: string }[]> {
    const found: { surrogate: string; original: string }[] = [];
    for await (const page of this.originalsPages()) {
      for (const entry of page) if (!SEALED.test(entry.original) && found.length < limit) found.push(entry);
      if (found.length >= limit) break;
    }
    return found;
  }

  /**
   * Each entry in clear is replaced by its sealed text in a step of its own, only if it still
   * holds that clear text: gateways sharing the vault may do this at once, and claims go on.
   */
  async sealInClear(seal: (original: string) => string): Promise<number> {
    let sealed = 0;
    for await (const page of this.originalsPages())
      for (const { surrogate, original } of page) {
        if (SEALED.test(original)) continue;
        const done: unknown = await this.ask(
          this.redis.eval(SEAL_IF_UNCHANGED, 1, this.originals, surrogate, original, seal(original)),
        );
        if (done === 1) sealed++;
      }
    return sealed;
  }

  /** The originals hash, a page of HSCAN at a time (it may change meanwhile: HSCAN's guarantees). */
  private async *originalsPages(): AsyncGenerator<{ surrogate: string; original: string }[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.ask(this.redis.hscan(this.originals, cursor, 'COUNT', 1000));
      cursor = next;
      const page: { surrogate: string; original: string }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        page.push({ surrogate: flat[i] as string, original: flat[i + 1] as string });
      yield page;
    } while (cursor !== '0');
  }

  private ask<T>(command: Promise<T>): Promise<T> {
    return askRedis(`the Redis vault at ${this.where}`, command);
  }

  /** Removes this vault's keys (tests, `airlock vault reset`). */
  async clear(): Promise<void> {
    await this.redis.del(this.originals, this.links, this.grants, this.epochKey);
  }

  async close(): Promise<void> {
    clearInterval(this.epochTimer);
    await quitOrDrop(this.redis);
  }
}
