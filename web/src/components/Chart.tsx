/** A time-series chart: uPlot (small, canvas, fast with thousands of points) in a resizing box. */
import { useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StatsSeries } from '../../../src/dashboard/api-types.js';
import { color, time } from '../format.js';

interface Props {
  title: string;
  buckets: string[];
  series: StatsSeries[];
  /** Draw at most this many series (the largest); the rest are summed into `other`. */
  max?: number;
}

function fold(series: StatsSeries[], max: number, length: number): StatsSeries[] {
  if (series.length <= max) return series;
  const kept = series.slice(0, max - 1);
  const other: StatsSeries = { key: 'other', total: 0, counts: new Array<number>(length).fill(0) };
  for (const s of series.slice(max - 1)) {
    other.total += s.total;
    s.counts.forEach((n, i) => (other.counts[i] = (other.counts[i] ?? 0) + n));
  }
  return [...kept, other];
}

/** An axis tick: the date at midnight, the time of day otherwise. */
function axisTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  if (d.getHours() === 0 && d.getMinutes() === 0) return d.toLocaleDateString('en-CA');
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function Chart({ title, buckets, series, max = 6 }: Props) {
  const box = useRef<HTMLDivElement>(null);

  // Made before the frame is drawn (a layout effect), so that the page's first frame with the data
  // has its charts, instead of one frame later.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const shown = fold(series, max, buckets.length);
    const xs = buckets.map((b) => Date.parse(b) / 1000);
    const data: uPlot.AlignedData = [xs, ...shown.map((s) => s.counts)];
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, hi) => [0, Math.max(1, hi)] } },
        // The same 24-hour clock and year-month-day dates as the rest of the pages (uPlot's own
        // are US-style, 12-hour), in the browser's time zone like every other time shown.
        axes: [{ values: (_u, splits) => splits.map(axisTime) }, { size: 50 }],
        series: [
          { value: (_u, v) => (v == null ? '--' : time(new Date(v * 1000).toISOString())) },
          ...shown.map((s, i) => ({
            label: s.key,
            stroke: color(s.key, i),
            width: 1.5,
            points: { show: false },
          })),
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [buckets, series, max]);

  return (
    <section class="card chart">
      <h3>{title}</h3>
      {series.length === 0 ? (
        <p class="muted empty-chart">Nothing in this range.</p>
      ) : (
        <div ref={box} class="chart-box" />
      )}
    </section>
  );
}
