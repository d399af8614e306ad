/**
 * At most `perMinute` of something a minute (windows start at the first event after the last
 * window ended): what a web page can make a browser repeat in a loop (the web guard's refusals)
 * is recorded and logged within a bound, so that it cannot fill a disk or a spool.
 */
export type MinuteBoundVerdict = 'take' | 'first-over' | 'over';

export function minuteBound(perMinute: number, now: () => number = Date.now): () => MinuteBoundVerdict {
  let windowStart = -Infinity;
  let taken = 0;
  return () => {
    const t = now();
    if (t - windowStart >= 60_000) {
      windowStart = t;
      taken = 0;
    }
    taken++;
    if (taken <= perMinute) return 'take';
    return taken === perMinute + 1 ? 'first-over' : 'over';
  };
}
