/** The dashboard app: a hash router over five pages (the server serves one index.html). */
import { render } from 'preact';
import { useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { BASE, forgetEarly } from './api.js';
import { zoneLabel } from './format.js';
import { Egress } from './pages/Egress.js';
import { EventDetail } from './pages/EventDetail.js';
import { Live } from './pages/Live.js';
import { Overview } from './pages/Overview.js';
import { Policy } from './pages/Policy.js';
import './styles.css';

interface Route {
  page: string;
  arg?: string;
  params: URLSearchParams;
}

function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = '', arg] = path.split('/');
  return {
    page: page || 'overview',
    arg: arg && decodeURIComponent(arg),
    params: new URLSearchParams(query),
  };
}

/**
 * The page an event's detail was opened from (`#/live?kind=request`, `#/egress`), kept in the
 * detail's history entry so that a reload keeps it too; absent for a link opened directly.
 */
function backOf(state: unknown): string | undefined {
  const back = (state as { back?: unknown } | null)?.back;
  return typeof back === 'string' && back.startsWith('#/') ? back : undefined;
}

function remember(ev: HashChangeEvent): void {
  if (parseHash(location.hash).page !== 'event' || backOf(history.state)) return;
  const from = new URL(ev.oldURL).hash;
  // Another event's detail is no page to go back to; what that one came from is unknown here.
  if (!from || parseHash(from).page === 'event') return;
  // The live feed keeps its filter in the address (replaceState), so `from` has it.
  history.replaceState({ ...(history.state as object | null), back: from }, '');
}

const NAV: [string, string][] = [
  ['overview', 'Overview'],
  ['live', 'Live feed'],
  ['policy', 'Policy'],
  ['egress', 'Egress'],
];

function App() {
  const [hash, setHash] = useState(location.hash);
  const route = useMemo(() => parseHash(hash), [hash]);
  // A layout effect, not an effect: an effect runs after the next frame, and a hash change
  // before then (a link followed right after the page loaded) fired no listener and was lost,
  // leaving the old page on screen. Reading the hash once more also covers a change made
  // between the first render and this subscription.
  useLayoutEffect(() => {
    const onHash = (ev?: HashChangeEvent) => {
      if (ev) remember(ev);
      setHash(location.hash);
    };
    addEventListener('hashchange', onHash);
    onHash();
    return () => removeEventListener('hashchange', onHash);
  }, []);

  let page;
  switch (route.page) {
    case 'live':
      page = <Live key={route.params.toString()} params={route.params} />;
      break;
    case 'event':
      page = route.arg ? (
        <EventDetail id={route.arg} back={backOf(history.state)} />
      ) : (
        <p class="error">No event id.</p>
      );
      break;
    case 'policy':
      page = <Policy />;
      break;
    case 'egress':
      page = <Egress />;
      break;
    default:
      page = <Overview />;
  }

  return (
    <>
      <nav class="top">
        <span class="brand">Airlock</span>
        {NAV.map(([id, label]) => (
          <a key={id} href={`#/${id}`} class={route.page === id ? 'on' : ''}>
            {label}
          </a>
        ))}
        <span class="zone" data-testid="time-zone" title="Every time on these pages is in this time zone">
          Times in {zoneLabel()}
        </span>
        <form method="post" action={`${BASE}/logout`} class="logout">
          <button type="submit">Sign out</button>
        </form>
      </nav>
      {page}
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
// The first page's loads start in its layout effects, within render(): whatever the boot script
// asked for and that page did not take (the hash changed before the app ran) would be stale later.
forgetEarly();
