/** Small statistics helpers for benchmark samples (milliseconds). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const fmt = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** A markdown table; the same text goes to the terminal and to BENCHMARKS.md. */
export function table(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/**
 * A percentile-bootstrap interval (default 95%) for a statistic of paired samples: `rows` are
 * resampled with replacement (a row keeps its samples together, e.g. one request to each target
 * sent back to back) and `stat` is computed on each resample. Deterministic (a fixed seed), so
 * that the same samples always give the same interval.
 */
export function bootstrapInterval<R>(
  rows: readonly R[],
  stat: (rows: readonly R[]) => number,
  options: { resamples?: number; level?: number } = {},
): { lo: number; hi: number } {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  let seed = 0x9e3779b9;
  const random = (): number => {
    // xorshift32: enough for resampling, and reproducible.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const values: number[] = [];
  const sample: R[] = new Array<R>(rows.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < rows.length; i++) sample[i] = rows[Math.floor(random() * rows.length)]!;
    values.push(stat(sample));
  }
  const tail = ((1 - level) / 2) * 100;
  return { lo: percentile(values, tail), hi: percentile(values, 100 - tail) };
}

/**
 * Per-target samples (`samples[t][i]`: the i-th request to each target, taken in one round, as
 * `interleaved` takes them) as rows, one per i, that resampling keeps together.
 */
export function pairedRows(samples: readonly (readonly number[])[]): number[][] {
  return samples[0]!.map((_, i) => samples.map((s) => s[i]!));
}

/** The p50 of column `j` of paired rows. */
export function columnP50(rows: readonly (readonly number[])[], j: number): number {
  return percentile(
    rows.map((row) => row[j]!),
    50,
  );
}

/** p50 of target `j` minus p50 of target `k`, with a 95% bootstrap interval over paired rows. */
export function p50Difference(
  samples: readonly (readonly number[])[],
  j: number,
  k: number,
): { value: number; lo: number; hi: number } {
  const rows = pairedRows(samples);
  const stat = (sample: readonly (readonly number[])[]) => columnP50(sample, j) - columnP50(sample, k);
  return { value: stat(rows), ...bootstrapInterval(rows, stat) };
}

/** Two-sided 95% quantiles of Student's t for 1–30 degrees of freedom (index = df − 1). */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * The mean of a few independent values (one per run, say) with a 95% t interval: for quantities
 * whose spread comes from between runs, which resampling the requests of one run cannot show.
 */
export function meanInterval(values: readonly number[]): { mean: number; lo: number; hi: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lo: Number.NaN, hi: Number.NaN };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = (T95[n - 2] ?? 1.96) * Math.sqrt(variance / n);
  return { mean, lo: mean - half, hi: mean + half };
}
