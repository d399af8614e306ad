/** The events list used by the live feed and the egress page: one row per event, a click opens it. */
import type { EventSummary } from '../../../src/dashboard/api-types.js';
import { fullTime, ms, time } from '../format.js';

export function Decision({ value }: { value: string }) {
  return <span class={`badge d-${value}`}>{value}</span>;
}

function target(e: EventSummary): string {
  if (e.kind === 'egress') return e.destination ?? '';
  return [e.provider, e.model].filter(Boolean).join(' · ');
}

export function EventTable({ events, empty }: { events: EventSummary[]; empty: string }) {
  if (events.length === 0) return <p class="muted">{empty}</p>;
  return (
    // The table scrolls in its own box: a narrow window or a long model name must not widen the page.
    <div class="table-scroll">
      <table class="events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Decision</th>
            <th>Kind</th>
            <th>Provider / destination</th>
            <th>Client</th>
            <th>Findings</th>
            <th>Status</th>
            <th class="num">Latency</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-event-id={e.id} class={`row d-${e.decision}`}>
              <td>
                <a href={`#/event/${e.id}`}>
                  <time dateTime={e.time} title={fullTime(e.time)}>
                    {time(e.time)}
                  </time>
                </a>
              </td>
              <td>
                <Decision value={e.decision} />
              </td>
              <td>{e.kind}</td>
              <td>{target(e)}</td>
              <td>{e.client}</td>
              <td>
                {e.findings > 0 ? (
                  <span title={e.rules.join(', ')}>
                    {e.findings} <span class="muted">({e.categories.join(', ')})</span>
                  </span>
                ) : (
                  <span class="muted">none</span>
                )}
                {e.uninspected ? (
                  <span class="badge unread" title="Parts of this request the gateway did not read">
                    {e.uninspected} uninspected
                  </span>
                ) : null}
              </td>
              <td>{e.status ?? ''}</td>
              <td class="num">{ms(e.latencyMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
