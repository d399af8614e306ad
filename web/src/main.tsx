/** The dashboard app: a hash router over five pages (the server serves one index.html). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { BASE } from './api.js';
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

const NAV: [string, string][] = [
  ['overview', 'Overview'],
  ['live', 'Live feed'],
  ['policy', 'Policy'],
  ['egress', 'Egress'],
];

function App() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  let page;
  switch (route.page) {
    case 'live':
      page = <Live key={route.params.toString()} params={route.params} />;
      break;
    case 'event':
      page = route.arg ? <EventDetail id={route.arg} /> : <p class="error">No event id.</p>;
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
