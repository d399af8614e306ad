/**
 * Made-up embedding vectors for the embedding endpoints: deterministic per text (the same text
 * always gets the same vector, as with a real model), of unit length, in float32 precision.
 */
import { createHash } from 'node:crypto';

/** A unit vector of `dimensions` float32 values derived from `text`. */
export function embeddingVector(text: string, dimensions: number): number[] {
  const seed = createHash('sha256').update(text).digest();
  // xorshift32 from the hash: cheap, and the same text gives the same numbers everywhere.
  let state = seed.readUInt32LE(0) || 1;
  const raw: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    raw.push((state >>> 0) / 0xffffffff - 0.5);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((x) => Math.fround(x / norm));
}

/** The vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32 bytes. */
export function base64Vector(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** A requested vector size when it is a positive integer, else the model's default. */
export function dimensionsOf(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 4096
    ? value
    : fallback;
}
