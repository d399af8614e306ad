/**
 * Live feed: the latest events, then every new one as the server pushes it (SSE). Filters apply
 * to both the loaded page (server side) and the pushed events (here).
 *
 * A tab in the background closes its stream and loads the latest page again when it comes back:
 * each open stream holds one of the six connections a browser keeps per host over HTTP/1.1, and
 * six live tabs left no connection for any other dashboard page or API call.
 */
import { useEffect, useState } from 'preact/hooks';
import type { EventSummary } from '../../../src/dashboard/api-types.js';
import { api, BASE, matches, type EventFilter } from '../api.js';
import { EventTable } from '../components/EventTable.js';

const KEEP = 500;

type Status = 'connecting' | 'live' | 'reconnecting' | 'paused';

/** Whether this tab is shown, updated as it is hidden and shown again. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const changed = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', changed);
    return () => document.removeEventListener('visibilitychange', changed);
  }, []);
  return visible;
}

export function Live({ params }: { params: URLSearchParams }) {
  const [filter, setFilter] = useState<EventFilter>(() => ({
    kind: params.get('kind') ?? '',
    decision: params.get('decision') ?? '',
    provider: params.get('provider') ?? '',
    category: params.get('category') ?? '',
    client: params.get('client') ?? '',
    rule: params.get('rule') ?? '',
  }));
  const [events, setEvents] = useState<EventSummary[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  /** Whether a page of events has been loaded: until then an empty list says nothing. */
  const [loaded, setLoaded] = useState(false);
  const [status, setStatus] = useState<Status>('connecting');
  const visible = usePageVisible();

  useEffect(() => {
    if (!visible) {
      setStatus('paused');
      return;
    }
    setStatus('connecting');
    const abort = new AbortController();
    setEvents([]);
    setLoaded(false);
    /** The first page's answer: a catch-up after a failed first load takes its place. */
    let firstPage = false;
    api.events(filter, undefined, 100, abort.signal).then(
      (page) => {
        // Keep anything pushed while the page loaded.
        setEvents((pushed) => newestFirst([...pushed, ...page.events]));
        setNext(page.next);
        setError(undefined);
        setLoaded((firstPage = true));
      },
      (err: unknown) => !abort.signal.aborted && setError((err as Error).message),
    );
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    /** The stream dropped: what was recorded until it is back is fetched, not pushed. */
    let missed = false;
    const connect = () => {
      const es = new EventSource(`${BASE}/api/live`);
      source = es;
      es.onopen = () => {
        setStatus('live');
        if (!missed) return;
        missed = false;
        api.events(filter, undefined, 100, abort.signal).then(
          (page) => {
            setEvents((list) => newestFirst([...page.events, ...list]));
            // The first load may have failed while the gateway was away: this answers it.
            if (!firstPage) {
              setNext(page.next);
              setLoaded((firstPage = true));
            }
            setError(undefined);
          },
          () => undefined,
        );
      };
      es.onerror = () => {
        missed = true;
        setStatus('reconnecting');
        // EventSource retries forever, also after the session ended: any API call that answers
        // 401 sends the browser to the login form.
        api.policy().catch(() => undefined);
        // After a failed answer (not 200, or not an event stream) it gives up for good instead:
        // open a new one, as it would have after a dropped connection.
        if (es.readyState === EventSource.CLOSED && !abort.signal.aborted) retry = setTimeout(connect, 2000);
      };
      es.addEventListener('audit', (msg) => {
        const e = JSON.parse((msg as MessageEvent<string>).data) as EventSummary;
        // A new stream starts with the latest events again (some may not be in a page yet):
        // they go in their place by time, not on top.
        if (matches(e, filter)) setEvents((list) => newestFirst([e, ...list]));
      });
    };
    connect();
    return () => {
      abort.abort();
      clearTimeout(retry);
      source?.close();
    };
  }, [filter, visible]);

  async function more() {
    if (!next) return;
    try {
      const page = await api.events(filter, next, 100);
      setEvents((list) => dedupe([...list, ...page.events]));
      setNext(page.next);
    } catch (err) {
      setError(`Older events could not be loaded: ${(err as Error).message}`);
    }
  }

  const filtered = Object.values(filter).some((v) => v);
  const disconnected = status === 'reconnecting';
  const empty = disconnected
    ? 'No events to show: the feed is disconnected from the gateway.'
    : error
      ? 'No events to show: they could not be loaded.'
      : !loaded
        ? 'Loading…'
        : filtered
          ? 'No events match this filter yet.'
          : 'No events yet. Send a request through the gateway.';

  const set = (key: keyof EventFilter) => (ev: Event) => {
    const next = { ...filter, [key]: (ev.currentTarget as HTMLSelectElement | HTMLInputElement).value };
    setFilter(next);
    // Kept in the address, so that Back from an event, a reload or a bookmark finds it again
    // (replaceState: no hashchange, no new page).
    const query = new URLSearchParams(Object.entries(next).filter(([, v]) => v !== '')).toString();
    history.replaceState(null, '', `#/live${query ? `?${query}` : ''}`);
  };

  return (
    <main>
      <header class="page-head">
        <h2>Live feed</h2>
        <span class={`live-dot s-${status}`} data-live-status={status}>
          {status === 'reconnecting' ? 'disconnected, reconnecting…' : status}
        </span>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Select label="Kind" value={filter.kind} onChange={set('kind')} options={['request', 'egress']} />
        <Select
          label="Decision"
          value={filter.decision}
          onChange={set('decision')}
          options={['forward', 'pseudonymize', 'block', 'allow', 'deny', 'error']}
        />
        <Select
          label="Provider"
          value={filter.provider}
          onChange={set('provider')}
          options={['anthropic', 'openai', 'gemini']}
        />
        <Select
          label="Category"
          value={filter.category}
          onChange={set('category')}
          options={['environment', 'secret', 'pii', 'tracking', 'hidden-unicode', 'header-fingerprint']}
        />
        <label>
          Rule <input value={filter.rule} onChange={set('rule')} placeholder="rule id" size={16} />
        </label>
        <label>
          Client{' '}
          <input value={filter.client} onChange={set('client')} placeholder="e.g. claude-code" size={14} />
        </label>
      </form>
      {disconnected ? (
        <p class="error" role="alert" data-testid="live-disconnected">
          Disconnected: the live feed lost its connection to the gateway (stopped, restarting, or this session
          signed out). Reconnecting; what is recorded meanwhile is listed once it is back.
        </p>
      ) : null}
      {error ? <p class="error">{error}</p> : null}
      <EventTable events={events} empty={empty} />
      {next ? (
        <button type="button" class="more" onClick={() => void more()}>
          Load older
        </button>
      ) : null}
    </main>
  );
}

function dedupe(list: EventSummary[]): EventSummary[] {
  const seen = new Set<string>();
  return list.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
}

/** Each event once, the newest first (ids break ties: they grow with time), at most KEEP. */
function newestFirst(list: EventSummary[]): EventSummary[] {
  return dedupe(list)
    .sort((a, b) => (a.time !== b.time ? (a.time < b.time ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, KEEP);
}

function Select(props: { label: string; value?: string; options: string[]; onChange: (e: Event) => void }) {
  return (
    <label>
      {props.label}{' '}
      <select value={props.value} onChange={props.onChange}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
