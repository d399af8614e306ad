/**
 * What the Redis vault and the Redis tracking store share about their connections: how to name
 * one in a message, a command whose failure says which store failed, and how to close a
 * connection that may have stopped answering.
 */
import type { Redis } from 'ioredis';

/**
 * How long a Redis command may go unanswered before it fails, when the gateway does not say
 * (it passes its timeouts.inspect_ms, whose default this is): a Redis that accepts connections
 * but does not answer must fail requests, not hold them.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 5_000;

/**
 * Closes a connection politely (QUIT, so that commands sent before it are answered first), or
 * drops it when Redis does not answer the QUIT either: a stop must not fail on a stalled Redis.
 */
export async function quitOrDrop(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/** Where a Redis URL points, without its user name or password: for error messages and logs. */
export function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

/**
 * A command's answer; its failure names the store that failed (`store`, e.g. "the Redis vault
 * at redis://host:6379"), which ioredis's own "Command timed out" does not.
 */
export async function askRedis<T>(store: string, command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (err) {
    throw new Error(`${store} failed: ${(err as Error).message}`, { cause: err });
  }
}
