/** Overview: totals, requests and findings over time, top rules and top clients. */
import { useEffect, useState } from 'preact/hooks';
import type { OverviewRange, StatsSeries } from '../../../src/dashboard/api-types.js';
import { api } from '../api.js';
import { Chart } from '../components/Chart.js';
import { count } from '../format.js';
import { useLoad } from '../use-load.js';

const RANGES: OverviewRange[] = ['1h', '24h', '7d', '30d'];
const REFRESH_MS = 30_000;

export function RangePicker({
  value,
  onChange,
}: {
  value: OverviewRange;
  onChange: (r: OverviewRange) => void;
}) {
  return (
    <div class="range" role="group" aria-label="time range">
      {RANGES.map((r) => (
        <button type="button" key={r} class={r === value ? 'on' : ''} onClick={() => onChange(r)}>
          {r}
        </button>
      ))}
    </div>
  );
}

function Top({
  title,
  series,
  link,
}: {
  title: string;
  series: StatsSeries[];
  link: (key: string) => string;
}) {
  const max = series[0]?.total ?? 0;
  return (
    <section class="card">
      <h3>{title}</h3>
      {series.length === 0 ? <p class="muted">None in this range.</p> : null}
      <table class="top">
        <tbody>
          {series.map((s) => (
            <tr key={s.key}>
              <td>
                <a href={link(s.key)}>{s.key}</a>
              </td>
              <td class="num">{count(s.total)}</td>
              <td class="bar">
                <span style={{ width: `${max ? (100 * s.total) / max : 0}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Overview() {
  // The landing range: web/public/boot.js asks for it before the app runs.
  const [range, setRange] = useState<OverviewRange>('24h');
  const [tick, setTick] = useState(0);
  // Redrawn every 30 s while open; the server answers from its cache most of the time.
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const { data, error, loading } = useLoad((signal) => api.overview(range, signal), [range, tick]);
  const t = data?.totals;
  return (
    <main>
      <header class="page-head">
        <h2>Overview</h2>
        <RangePicker value={range} onChange={setRange} />
      </header>
      {error ? <p class="error">{error}</p> : null}
      {t ? (
        <div class="totals">
          <Stat label="Requests" value={t.requests} />
          <Stat label="Blocked" value={t.blocked} tone="block" />
          <Stat label="Pseudonymized" value={t.pseudonymized} tone="pseudonymize" />
          <Stat label="Findings" value={t.findings} />
          <Stat label="Request errors" value={t.errors} tone="error" />
          {/* Egress attempts are not requests: counted apart, with the egress page one click away. */}
          <Stat
            label="Egress attempts"
            value={t.egress}
            tone="egress"
            href="#/egress"
            note={`${count(t.egressDenied)} denied · ${count(t.egressErrors)} failed`}
          />
        </div>
      ) : null}
      {data ? (
        <>
          <div class="grid2">
            <Chart title="Requests by decision" buckets={data.stats.buckets} series={data.requestDecisions} />
            <Chart title="Findings by category" buckets={data.stats.buckets} series={data.stats.category} />
          </div>
          <div class="grid2">
            <Top
              title="Top rules"
              series={data.stats.rule}
              link={(k) => `#/live?rule=${encodeURIComponent(k)}`}
            />
            {/* Requests only, like the charts: a tool's egress attempts are on the egress page. */}
            <Top
              title="Top clients (requests)"
              series={data.stats.requestClient}
              link={(k) => `#/live?kind=request&client=${encodeURIComponent(k)}`}
            />
          </div>
          <p class="muted small">
            {count(t?.requests ?? 0)} requests and {count(t?.egress ?? 0)} egress attempts in range · query{' '}
            {data.queryMs} ms
            {loading ? ' · refreshing…' : ''}
          </p>
        </>
      ) : loading ? (
        <p class="muted">Loading…</p>
      ) : null}
    </main>
  );
}

function Stat({
  label,
  value,
  tone,
  href,
  note,
}: {
  label: string;
  value: number;
  tone?: string;
  href?: string;
  note?: string;
}) {
  return (
    <div class={`stat ${tone ? `t-${tone}` : ''}`}>
      <div class="stat-value">{count(value)}</div>
      <div class="stat-label">{href ? <a href={href}>{label}</a> : label}</div>
      {note ? <div class="stat-note">{note}</div> : null}
    </div>
  );
}
