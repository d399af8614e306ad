/** Egress: every destination the egress proxy was asked for, and whether it was allowed. */
import { useState } from 'preact/hooks';
import type { OverviewRange } from '../../../src/dashboard/api-types.js';
import { api } from '../api.js';
import { Decision, EventTable } from '../components/EventTable.js';
import { ago, count, fullTime } from '../format.js';
import { useLoad } from '../use-load.js';
import { RangePicker } from './Overview.js';

export function Egress() {
  const [range, setRange] = useState<OverviewRange>('24h');
  const { data, error, loading } = useLoad((signal) => api.egress(range, signal), [range]);
  return (
    <main>
      <header class="page-head">
        <h2>Egress</h2>
        <RangePicker value={range} onChange={setRange} />
      </header>
      {error ? <p class="error">{error}</p> : null}
      {loading && !data ? <p class="muted">Loading…</p> : null}
      {data ? (
        <>
          <section class="card">
            <h3>Destinations ({data.destinations.length})</h3>
            {data.destinations.length === 0 ? (
              <p class="muted">
                No egress attempts in this range. Run a tool with <code>airlock run</code> to route it through
                the egress proxy.
              </p>
            ) : (
              <table class="events">
                <thead>
                  <tr>
                    <th>Host</th>
                    <th class="num">Port</th>
                    <th class="num">Allowed</th>
                    <th class="num">Denied</th>
                    <th class="num">Errors</th>
                    <th>Last</th>
                    <th>Rule</th>
                    <th>Seen</th>
                  </tr>
                </thead>
                <tbody>
                  {data.destinations.map((d) => (
                    <tr key={`${d.host}:${d.port}`}>
                      <td>{d.host}</td>
                      <td class="num">{d.port}</td>
                      <td class="num">{count(d.allowed)}</td>
                      <td class="num">{count(d.denied)}</td>
                      <td class="num">{count(d.errors)}</td>
                      <td>
                        <Decision value={d.lastDecision} />
                      </td>
                      <td>{d.rule ?? ''}</td>
                      <td>
                        <time dateTime={d.lastSeen} title={fullTime(d.lastSeen)}>
                          {ago(d.lastSeen)}
                        </time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {data.truncated ? (
              <p class="muted small">Counted from the latest {count(data.scanned)} attempts in this range.</p>
            ) : null}
          </section>
          <section class="card">
            <h3>Latest attempts</h3>
            <EventTable events={data.recent} empty="None." />
          </section>
        </>
      ) : null}
    </main>
  );
}
