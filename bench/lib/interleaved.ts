/**
 * Sequential requests to several targets, taken so that they can be compared in pairs: the
 * gateway suite's latency rows and bench/ab.ts share it.
 */
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';

export const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-ant-bench',
};

/** A server to send requests to: its pool, and the path prefix its routes take. */
export interface Target {
  name: string;
  base: string;
  pool: Pool;
}

export async function once(t: Target, body: string): Promise<{ total: number; firstByte: number }> {
  const start = performance.now();
  const res = await t.pool.request({ path: `${t.base}/v1/messages`, method: 'POST', headers: HEADERS, body });
  let firstByte = 0;
  for await (const _chunk of res.body) {
    if (firstByte === 0) firstByte = performance.now() - start;
  }
  if (res.statusCode !== 200) throw new Error(`${t.name}: status ${res.statusCode}`);
  return { total: performance.now() - start, firstByte };
}

/**
 * Sequential requests to every target, interleaved in short blocks: round r sends BLOCK
 * requests to each target in turn, in an order rotated by r (each target takes each place
 * equally often). A change in the machine's load (another process on the shared cores, a
 * garbage collection in the load generator) then hits every target alike instead of whichever
 * target's long run of requests was running, and the samples of one round are paired: they
 * were taken within a fraction of a second of each other. Blocks, not single requests: sent one
 * request per target in turn, every request found its server idle for the other three's
 * requests (caches taken by them, the core possibly in a deeper idle state), which measured a
 * cold start per request — direct itself 0.6–1.2 ms slower — rather than a gateway in use.
 */
export const BLOCK = 20;

export async function interleaved(
  targets: readonly Target[],
  body: string,
  n: number,
): Promise<{ totals: number[][]; firsts: number[][] }> {
  const warm = Math.min(30, n);
  for (let i = 0; i < warm; i++) for (const t of targets) await once(t, body);
  const totals: number[][] = targets.map(() => new Array<number>(n));
  const firsts: number[][] = targets.map(() => new Array<number>(n));
  for (let start = 0, round = 0; start < n; start += BLOCK, round++) {
    const end = Math.min(n, start + BLOCK);
    for (let k = 0; k < targets.length; k++) {
      const j = (round + k) % targets.length;
      for (let i = start; i < end; i++) {
        const r = await once(targets[j]!, body);
        totals[j]![i] = r.total;
        firsts[j]![i] = r.firstByte;
      }
    }
  }
  return { totals, firsts };
}
