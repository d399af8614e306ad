/**
 * ULIDs (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits in Crockford
 * base32, 26 characters that sort by time. Monotonic within a process: ids made in the same
 * millisecond increment the random part, so record order is id order.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
/** encodeTime(lastTime): ids made in the same millisecond share it. */
let lastTimeText = '';
const lastRandom = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 80 bits → 16 base32 characters (5 bits each). */
function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const next = (bytes[i] ?? 0) + 1;
    bytes[i] = next & 0xff;
    if (next <= 0xff) return;
  }
}

// One call into the CSPRNG per 409 ids instead of one per id (~2 us each, on the request path).
const pool = Buffer.alloc(4090);
let poolAt = pool.length;

function randomTen(): Buffer {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 10;
  return pool.subarray(poolAt - 10, poolAt);
}

export function ulid(now: number = Date.now()): string {
  if (now <= lastTime) {
    increment(lastRandom);
    return lastTimeText + encodeRandom(lastRandom);
  }
  lastTime = now;
  lastTimeText = encodeTime(now);
  lastRandom.set(randomTen());
  return lastTimeText + encodeRandom(lastRandom);
}

/** The millisecond time a ULID was made at. */
export function ulidTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
