/**
 * What the surrogate memos and the memory vault keep of a value is the value, not the request
 * text it was cut from (V8 keeps the parent of a slice alive): 200 values found in 200 texts of
 * 200 KB must not keep 40 MB. The margin is wide (a few MB against 40), so load cannot flip it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Surrogates } from '../../src/redact/surrogates.js';
import { MemoryVault } from '../../src/redact/vault.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('remembered values keep no request text alive', async () => {
  const s = new Surrogates(Buffer.alloc(32, 3), new MemoryVault());
  const TEXTS = 200;
  const before = heapUsed();
  for (let i = 0; i < TEXTS; i++) {
    // A tool result: a 200 KB file with one address in it, made fresh (no shared pieces).
    const text = `${'x'.repeat(100_000 + i)} contact: dev${i}.person@acme-corp.example.org ${'y'.repeat(100_000)}`;
    const start = text.indexOf('dev');
    const value = text.slice(start, text.indexOf(' ', start));
    await s.surrogate('email', value, { reals: new Set([value]), restoreSecrets: true, entries: new Map() });
  }
  const grown = heapUsed() - before;
  assert.ok(grown < 10_000_000, `${(grown / 1e6).toFixed(1)} MB kept for ${TEXTS} values`);
});
