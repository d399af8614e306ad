/**
 * One request: its facts, its findings with their place in the request (role and JSON path),
 * and side by side what the client sent there and what left instead. Values appear only as the
 * masked previews the audit log keeps.
 */
import { Fragment } from 'preact';
import type {
  AuditEvent,
  AuditUninspected,
  EventDetail as Detail,
} from '../../../src/dashboard/api-types.js';
import { api } from '../api.js';
import { Decision } from '../components/EventTable.js';
import { count, fullTime, ms } from '../format.js';
import { useLoad } from '../use-load.js';

/** `back`: the page the detail was opened from, with its filter; else the list of its kind. */
export function EventDetail({ id, back }: { id: string; back?: string }) {
  const { data, error, loading } = useLoad((signal) => api.event(id, signal), [id]);
  const href = back ?? (data?.event.kind === 'egress' ? '#/egress' : '#/live');
  return (
    <main>
      <header class="page-head">
        <h2>
          Event <code class="id">{id}</code>
        </h2>
        <a href={href} data-testid="back">
          ← {backLabel(href)}
        </a>
      </header>
      {error ? <p class="error">{error}</p> : null}
      {loading && !data ? <p class="muted">Loading…</p> : null}
      {data ? <Body detail={data} /> : null}
    </main>
  );
}

function backLabel(href: string): string {
  const [path = '', query] = href.slice(2).split('?');
  const page = path.split('/')[0];
  if (page === 'live') return query ? 'live feed (filtered)' : 'live feed';
  if (page === 'egress') return 'egress';
  if (page === 'policy') return 'policy';
  return 'overview';
}

function Body({ detail }: { detail: Detail }) {
  const e = detail.event;
  const facts: [string, string | undefined][] = [
    ['Time', fullTime(e.time)],
    ['Kind', e.kind],
    ['Provider', e.provider],
    ['Dialect', e.dialect],
    ['Model', e.model],
    ['Request', e.method && e.path ? `${e.method} ${e.path}` : (e.path ?? e.method)],
    [
      'Destination',
      e.egress
        ? `${e.egress.host}:${e.egress.port}${e.egress.rule ? ` (rule ${e.egress.rule})` : ''}`
        : undefined,
    ],
    ['Client', e.client.user ? `${e.client.agent} (${e.client.user})` : e.client.agent],
    ['Status', e.status === undefined ? undefined : String(e.status)],
    ['Policy mode', e.mode],
    ['Error', e.error],
    [
      'Latency',
      [
        `total ${ms(e.latency_ms.total)}`,
        e.latency_ms.inspect === undefined ? '' : `inspect ${ms(e.latency_ms.inspect)}`,
        e.latency_ms.upstream === undefined ? '' : `upstream ${ms(e.latency_ms.upstream)}`,
      ]
        .filter(Boolean)
        .join(' · '),
    ],
    // The egress proxy does not count a tunnel's bytes: zeros there would read as nothing moved.
    ['Bytes', e.kind === 'egress' ? undefined : `${count(e.bytes_in)} in · ${count(e.bytes_out)} out`],
    ['Gateway instance', e.instance],
    ['Chain', `#${e.seq} of ${e.instance} · ${e.hash.slice(0, 16)}…`],
  ];
  const outcome = e.kind === 'egress' ? egressOutcome(e) : requestOutcome(e, detail.forwarded);
  const unread = e.uninspected ?? [];
  return (
    <>
      <section class="card">
        <div class="decision-line" data-testid="outcome">
          <Decision value={e.decision} />
          <span>{outcome.line}</span>
          {unread.length > 0 ? (
            <span class="badge unread" title="Parts of this request the gateway did not read">
              {unread.length} {unread.length === 1 ? 'part' : 'parts'} uninspected
            </span>
          ) : null}
        </div>
        <dl class="facts">
          {facts
            .filter(([, v]) => v)
            .map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </Fragment>
            ))}
        </dl>
      </section>

      {unread.length > 0 ? (
        <Uninspected parts={unread} forwarded={detail.forwarded} failed={e.decision === 'error'} />
      ) : null}

      {e.findings.length > 0 ? (
        <section class="card">
          <h3>Findings ({e.findings.length})</h3>
          <table class="findings">
            <thead>
              <tr>
                <th>Role</th>
                <th>JSON path</th>
                <th>Rule</th>
                <th>Category</th>
                <th>Severity</th>
                <th>Action</th>
              </tr>
            </thead>
            <tbody>
              {e.findings.map((f, i) => (
                <tr key={i}>
                  <td>{f.role}</td>
                  <td>
                    <code>{f.path}</code>
                  </td>
                  <td>{f.ruleId}</td>
                  <td>{f.category}</td>
                  <td class={`sev-${f.severity}`}>{f.severity}</td>
                  <td>{f.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <p class="muted" data-testid="no-findings">
          {unread.length > 0
            ? `${outcome.noFindings} The parts listed above were not read: no finding covers them.`
            : outcome.noFindings}
        </p>
      )}

      {detail.segments.length > 0 ? (
        <section class="card">
          <h3>Sent by the client vs. what left</h3>
          <p class="muted small">Values are masked; the audit log never holds them.</p>
          <div class="side-by-side">
            <div class="col-head">Sent by the client</div>
            <div class="col-head">Left the machine</div>
            {detail.segments.map((s) => (
              <Fragment key={`${s.role} ${s.path}`}>
                <div class="place">
                  <span class="role">{s.role}</span> <code>{s.path}</code>
                </div>
                {s.findings.map((f, i) => (
                  <Fragment key={i}>
                    <div class="sent">
                      <code>{f.sent}</code> <span class="muted">{f.ruleId}</span>
                    </div>
                    <div class={`left a-${f.action}`}>
                      <code>{f.left}</code> <span class="muted">{f.action}</span>
                    </div>
                  </Fragment>
                ))}
              </Fragment>
            ))}
          </div>
        </section>
      ) : null}

      {e.forensic ? (
        <details class="card">
          <summary>
            Body as it left ({count(e.forensic.bytes)} bytes{e.forensic.truncated ? ', truncated' : ''})
          </summary>
          <pre class="body">{e.forensic.body}</pre>
        </details>
      ) : null}
    </>
  );
}

/**
 * The parts the gateway passed on without reading them (a binary file in an upload): no finding
 * can speak for them, so they are listed where a reviewer sees them first. Field, declared type,
 * size and the masked file name are all the audit log has; the content never was in it.
 */
function Uninspected({
  parts,
  forwarded,
  failed,
}: {
  parts: AuditUninspected[];
  forwarded: boolean;
  failed: boolean;
}) {
  const what = forwarded
    ? 'These parts left the machine without being inspected: nothing in them was checked for secrets or personal data.'
    : failed
      ? 'These parts were not inspected. The request failed: they may have left before it did.'
      : 'These parts were not inspected; the request was refused, so they did not leave the machine.';
  return (
    <section class="card unread-box" data-testid="uninspected">
      <h3>
        {forwarded ? 'Sent uninspected' : 'Not inspected'} ({parts.length})
      </h3>
      <p class="small">{what}</p>
      <table class="findings">
        <thead>
          <tr>
            <th>Field</th>
            <th>Declared type</th>
            <th class="num">Size</th>
            <th>File name (masked)</th>
          </tr>
        </thead>
        <tbody>
          {parts.map((p, i) => (
            <tr key={i}>
              <td>
                <code>{p.field}</code>
              </td>
              <td>{p.type || <span class="muted">none declared</span>}</td>
              <td class="num">{count(p.bytes)} bytes</td>
              <td>{p.name ? <code>{p.name}</code> : <span class="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** What happened, in words: the line beside the decision, and the note where no finding is listed. */
interface Outcome {
  line: string;
  noFindings: string;
}

function requestOutcome(e: AuditEvent, forwarded: boolean): Outcome {
  const code = e.error ? ` (${e.error})` : '';
  if (e.decision === 'block')
    return {
      line: `refused by the policy${code}: nothing left the machine`,
      noFindings: `No findings recorded; the request was refused${code} and nothing left the machine.`,
    };
  if (e.decision === 'error')
    return {
      line: `the gateway could not complete it${code}`,
      noFindings: `No findings recorded; the request failed${code}.`,
    };
  return {
    line: forwarded ? 'forwarded to the provider' : 'nothing left the machine',
    noFindings:
      e.mode === 'monitor'
        ? 'No findings: the request left as it was sent (monitor mode).'
        : 'No findings: the request left as it was sent.',
  };
}

/**
 * An egress attempt has no body and so no findings: what it says is the egress policy's
 * decision about its destination, and the rule that made it.
 */
function egressOutcome(e: AuditEvent): Outcome {
  const where = e.egress ? `${e.egress.host}:${e.egress.port}` : 'the destination';
  const rule = e.egress?.rule ? `, rule ${e.egress.rule}` : '';
  if (e.decision === 'deny')
    return {
      line: `denied by the egress policy: nothing was sent to ${where}`,
      noFindings: `Denied by the egress policy${rule}: the proxy refused the connection to ${where}${
        e.status ? ` (status ${e.status})` : ''
      }, and nothing was sent there.`,
    };
  if (e.decision === 'error')
    return {
      line: `allowed, but the connection to ${where} failed${e.error ? ` (${e.error})` : ''}`,
      noFindings: `Allowed by the egress policy${rule}, but the proxy could not complete the connection to ${where}${
        e.error ? ` (${e.error})` : ''
      }.`,
    };
  return {
    line: `allowed by the egress policy: connection to ${where}`,
    noFindings: `Allowed by the egress policy${rule}: the proxy connected the client to ${where}.`,
  };
}
