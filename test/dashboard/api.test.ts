/** The dashboard over HTTP without a browser: auth, loopback gate, the JSON API and its filters. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spoolLine } from '../../src/audit/chain.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditEvent } from '../../src/audit/types.js';
import type {
  EgressReport,
  EventDetail,
  EventsPage,
  Overview,
  PolicyInfo,
} from '../../src/dashboard/api-types.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { testConfig } from '../helpers/stack.js';
import { decision, seed, sealedEvents, syntheticInput, tempDir } from './helpers.js';

const HOUR = 3_600_000;
const COUNT = 400;

let dir: { dir: string; cleanup: () => Promise<void> };
let store: SqliteAuditStore;
let dashboard: Dashboard;
let gw: Gateway;
let events: AuditEvent[];
let token: string;

before(async () => {
  dir = await tempDir();
  store = new SqliteAuditStore({ path: join(dir.dir, 'audit.db') });
  const now = Date.now();
  events = await seed(store, sealedEvents(COUNT, now - 20 * HOUR, now - 1000));
  dashboard = createDashboard({
    store,
    dataDir: dir.dir,
    webRoot: join(dir.dir, 'no-build'),
    overviewCacheMs: 0,
    policyInfo: () => ({
      source: '/etc/airlock/policy.yaml',
      text: 'mode: enforce\n',
      loadedAt: new Date(now - HOUR),
      mode: 'enforce',
      lastError: { message: 'line 3: unknown key "acton"', at: now - 60_000 },
    }),
  });
  token = dashboard.token.value;
  gw = await startGateway({ config: testConfig(), routes: [dashboard.routes] });
});

after(async () => {
  await dashboard.close();
  await gw.close(500);
  await store.close();
  await dir.cleanup();
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/_airlock${path}`, { headers, redirect: 'manual' });
}

async function api<T>(path: string): Promise<T> {
  const res = await get(`/api/${path}`, { authorization: `Bearer ${token}` });
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

describe('auth', () => {
  test('the API without credentials or with a wrong token: 401 and nothing else', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: `Basic ${token}` },
    ];
    for (const headers of variants) {
      const res = await get('/api/events', headers);
      assert.equal(res.status, 401);
      assert.equal(await res.text(), 'unauthorized\n');
    }
    const cookie = await get('/api/overview', { cookie: 'airlock_dashboard=forged' });
    assert.equal(cookie.status, 401);
  });

  test('assets need the token too; the app page sends a browser to the login form', async () => {
    assert.equal((await get('/assets/index.js')).status, 401);
    const page = await get('/');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/_airlock/login');
    const login = await get('/login');
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<form method="post" action="\/_airlock\/login">/);
  });

  test('login: a wrong token is 401 with no cookie; the right one sets an HttpOnly SameSite=Strict cookie', async () => {
    const wrong = await fetch(`${gw.url}/_airlock/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=nope',
      redirect: 'manual',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    assert.equal(await wrong.text(), 'unauthorized\n');

    const right = await fetch(`${gw.url}/_airlock/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      redirect: 'manual',
    });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/_airlock/');
    const cookie = right.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/_airlock/);
    assert.ok(!cookie.includes(token), 'the cookie is not the token itself');
    const withCookie = await get('/api/events?limit=1', { cookie: cookie.split(';')[0] ?? '' });
    assert.equal(withCookie.status, 200);
  });

  test('login: the form goes back to the page its link named, and only to a page of the app', async () => {
    const signIn = async (next: string) => {
      const res = await fetch(`${gw.url}/_airlock/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next }).toString(),
        redirect: 'manual',
      });
      assert.equal(res.status, 303);
      return res.headers.get('location');
    };
    assert.equal(await signIn('#/event/01JABCDEF'), '/_airlock/#/event/01JABCDEF');
    assert.equal(
      await signIn('#/live?kind=egress&rule=secret.aws-access-key'),
      '/_airlock/#/live?kind=egress&rule=secret.aws-access-key',
    );
    // Anything else is the app's landing page: no other site, path or header can be named.
    for (const next of [
      'https://evil.example',
      '//evil.example',
      '/elsewhere',
      '#/x\r\nset-cookie: a=b',
      '#/<script>',
      '#/x\\y',
      '',
    ])
      assert.equal(await signIn(next), '/_airlock/', next);
    // The page carries the fragment into the form with its one script, allowed by its hash only.
    const page = await get('/login');
    const html = await page.text();
    assert.match(html, /<input name="next" id="next" type="hidden" value="">/);
    const script = /<script>([^<]*)<\/script>/.exec(html)?.[1] ?? '';
    const { createHash } = await import('node:crypto');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.ok(
      csp.includes(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`),
      csp,
    );
  });

  test('JSON login answers 204 with the cookie', async () => {
    const res = await fetch(`${gw.url}/_airlock/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('set-cookie') ?? '', /^airlock_dashboard=/);
  });

  test('the token is kept in the data dir with mode 0600 and reused', async () => {
    const { loadOrCreateDashboardToken } = await import('../../src/dashboard/token.js');
    const again = loadOrCreateDashboardToken(dir.dir);
    assert.equal(again.token, token);
    assert.equal(again.created, false);
  });

  test('security headers on every dashboard answer', async () => {
    const res = await get('/api/policy', { authorization: `Bearer ${token}` });
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});

describe('loopback only', () => {
  /** A client from another machine, as the dashboard sees it (the socket's remote address). */
  async function fromRemote(allowRemote: boolean): Promise<Response> {
    const remote = createDashboard({ store, dataDir: dir.dir, allowRemote, webRoot: join(dir.dir, 'none') });
    const server = await startGateway({
      config: testConfig(),
      routes: [
        (req, res) => {
          Object.defineProperty(req.socket, 'remoteAddress', { value: '198.51.100.7', configurable: true });
          return remote.routes(req, res);
        },
      ],
    });
    try {
      return await fetch(`${server.url}/_airlock/api/events?limit=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
    } finally {
      await remote.close();
      await server.close(500);
    }
  }

  test('a non-loopback client gets 403 even with the token', async () => {
    const res = await fromRemote(false);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /only answers on loopback/);
  });

  test('allowRemote lets it through to the token check', async () => {
    assert.equal((await fromRemote(true)).status, 200);
  });
});

describe('API', () => {
  test('overview: totals and series match what was stored', async () => {
    const o = await api<Overview>('overview?range=24h');
    const requests = events.filter((e) => e.kind === 'request');
    assert.equal(o.totals.events, COUNT);
    assert.equal(o.totals.requests, requests.length);
    assert.equal(o.totals.blocked, events.filter((e) => e.decision === 'block').length);
    assert.equal(o.totals.pseudonymized, events.filter((e) => e.decision === 'pseudonymize').length);
    assert.equal(
      o.totals.findings,
      events.reduce((n, e) => n + e.findings.length, 0),
    );
    assert.equal(o.stats.buckets.length, 96);
    const secret = o.stats.category.find((s) => s.key === 'secret');
    assert.equal(
      secret?.counts.reduce((a, b) => a + b, 0),
      secret?.total,
    );
    assert.ok(o.stats.rule.some((s) => s.key === 'aws-access-key'));
    assert.ok(o.stats.client.some((s) => s.key === 'claude-code'));
  });

  test('overview: a bad range is 400 naming the parameter', async () => {
    const res = await get('/api/overview?range=2y', { authorization: `Bearer ${token}` });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /"range"/);
  });

  test('events: filters by decision, category, provider and findings', async () => {
    const blocked = await api<EventsPage>('events?decision=block&limit=500');
    assert.equal(blocked.events.length, events.filter((e) => e.decision === 'block').length);
    assert.ok(blocked.events.every((e) => e.decision === 'block' && e.categories.includes('secret')));
    // Each row names the gateway instance that wrote it.
    assert.ok(blocked.events.every((e) => e.instance === 'seed'));

    const hidden = await api<EventsPage>('events?category=hidden-unicode&provider=openai&limit=500');
    const want = events.filter(
      (e) => e.provider === 'openai' && e.findings.some((f) => f.category === 'hidden-unicode'),
    );
    assert.equal(hidden.events.length, want.length);
    assert.ok(want.length > 0);

    const clean = await api<EventsPage>('events?kind=request&hasFindings=false&limit=500');
    assert.ok(clean.events.every((e) => e.findings === 0 && e.kind === 'request'));
  });

  test('events: keyset paging walks every event once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: EventsPage = await api<EventsPage>(`events?limit=150${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.events.map((e) => e.id));
      cursor = page.next;
    } while (cursor);
    assert.equal(seen.length, COUNT);
    assert.equal(new Set(seen).size, COUNT);
    assert.equal(seen[0], events.at(-1)?.id);
  });

  test('events: bad parameters and forged cursors are 400', async () => {
    const bad = [
      ...['decision=maybe', 'limit=0', 'since=yesterday', 'cursor=bm9wZQ', 'colour=red'],
      // Repeated (which one would win?), empty, or numbers in other spellings.
      ...['decision=block&decision=forward', 'decision=', 'decision=,', 'limit=0x10', 'limit=1e2'],
      '__proto__=1',
    ];
    for (const q of bad) {
      const res = await get(`/api/events?${q}`, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 400, q);
    }
    const twice = await get('/api/overview?range=1h&range=7d', { authorization: `Bearer ${token}` });
    assert.equal(twice.status, 400);
    assert.match(((await twice.json()) as { error: string }).error, /"range": given more than once/);
  });

  test('event detail: findings placed by role and path, with what left in their place', async () => {
    const blocked = events.find((e) => e.decision === 'block' && e.findings.length > 1);
    assert.ok(blocked);
    const d = await api<EventDetail>(`events/${blocked.id}`);
    assert.equal(d.forwarded, false);
    assert.equal(d.event.id, blocked.id);
    assert.equal(
      d.segments.reduce((n, s) => n + s.findings.length, 0),
      blocked.findings.length,
    );
    assert.ok(d.segments.every((s) => s.path.startsWith('$.messages[') && s.role === 'user'));
    assert.ok(d.segments.flatMap((s) => s.findings).every((f) => f.left.startsWith('(not sent')));

    const pseudo = events.find((e) => e.decision === 'pseudonymize');
    assert.ok(pseudo);
    const p = await api<EventDetail>(`events/${pseudo.id}`);
    assert.equal(p.forwarded, true);
    const f = p.segments[0]?.findings[0];
    assert.equal(f?.sent, '/ho…ce');
    assert.notEqual(f?.left, f?.sent);
  });

  test('event detail: unknown id 404; a just-published event is found before the store has it', async () => {
    assert.equal((await get('/api/events/01NOPE', { authorization: `Bearer ${token}` })).status, 404);
    // An id no event can have, not even decodable: 404 as well, not a failed route.
    for (const bad of ['%ZZ', '%E0%A4%A', '%', 'a%2Fb'])
      assert.equal((await get(`/api/events/${bad}`, { authorization: `Bearer ${token}` })).status, 404, bad);
    const [fresh] = [
      ...sealedEvents(1, Date.now(), Date.now() + 1, 'fresh', () => ({
        ...syntheticInput(0, Date.now()),
        findings: [decision('email', 'pii', 'pseudonymize', ['input'], 'us…om')],
      })),
    ];
    assert.ok(fresh);
    dashboard.publish(fresh.event);
    const d = await api<EventDetail>(`events/${fresh.event.id}`);
    assert.equal(d.segments[0]?.path, '$.input');
    // Published with its spool line, as the recorder does: kept as those bytes, read back the same.
    const [kept] = [
      ...sealedEvents(1, Date.now(), Date.now() + 1, 'kept', () => ({
        ...syntheticInput(0, Date.now()),
        findings: [decision('email', 'pii', 'pseudonymize', ['input'], 'us…om')],
      })),
    ];
    assert.ok(kept);
    dashboard.publish(kept.event, Buffer.from(spoolLine(kept)));
    const fromLine = await api<EventDetail>(`events/${kept.event.id}`);
    dashboard.publish({ ...kept.event, id: `${kept.event.id}x` });
    const fromObjects = await api<EventDetail>(`events/${kept.event.id}x`);
    const anonymous = (d: EventDetail) => ({ ...d, event: { ...d.event, id: '' } });
    assert.deepEqual(anonymous(fromLine), anonymous(fromObjects));
    assert.equal(fromLine.segments[0]?.path, '$.input');
  });

  test('egress: destinations with allowed and denied counts', async () => {
    const r = await api<EgressReport>('egress?range=24h');
    const egress = events.filter((e) => e.kind === 'egress');
    assert.equal(r.scanned, egress.length);
    const sentry = r.destinations.find((d) => d.host === 'sentry.io');
    assert.equal(sentry?.denied, egress.filter((e) => e.egress?.host === 'sentry.io').length);
    assert.equal(sentry?.allowed, 0);
    assert.equal(sentry?.rule, '@telemetry');
    assert.ok(r.destinations.find((d) => d.host === 'api.anthropic.com')?.allowed);
  });

  test('policy: the callback, with dates as ISO strings', async () => {
    const p = await api<PolicyInfo>('policy');
    assert.equal(p.text, 'mode: enforce\n');
    assert.match(p.lastError?.message ?? '', /unknown key/);
    assert.match(p.loadedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  });

  test('live feed: a published event arrives as an SSE event with its summary', async () => {
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/_airlock/api/live`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    const event = events.find((e) => e.decision === 'block')!;
    let text = '';
    // The subscriber is registered before the answer's headers are sent: one publish is enough.
    dashboard.publish(event);
    let pending: ReturnType<typeof reader.read> | undefined;
    // Bounded: at most 100 reads of at most 100 ms each.
    for (let i = 0; i < 100 && !text.includes(`id: ${event.id}`); i++) {
      pending ??= reader.read();
      const chunk = await Promise.race([
        pending,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
      ]);
      if (!chunk) continue;
      pending = undefined;
      if (chunk.value) text += new TextDecoder().decode(chunk.value);
    }
    abort.abort();
    const frame = text.split('\n\n').find((f) => f.includes(`id: ${event.id}`));
    assert.ok(frame, text);
    assert.match(frame, /^event: audit$/m);
    const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}') as { decision: string; id: string };
    assert.equal(data.decision, 'block');
  });
});

/** Reads an SSE answer until `done(text)`; bounded: at most 100 reads of at most 100 ms each. */
async function readStream(res: Response, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  let text = '';
  let pending: ReturnType<typeof reader.read> | undefined;
  for (let i = 0; i < 100 && !done(text); i++) {
    pending ??= reader.read();
    const chunk = await Promise.race([
      pending,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
    ]);
    if (!chunk) continue;
    pending = undefined;
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  return text;
}

describe('a live feed that opens after an event was published', () => {
  test('starts with it: the store may not have it yet, so the page could not list it', async () => {
    // Published here, never stored: as an event is between the recorder's batches.
    const [early, later] = [...sealedEvents(2, Date.now() - 2000, Date.now(), 'unstored')].map(
      (s) => s.event,
    );
    dashboard.publish(early!);
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/_airlock/api/live`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    dashboard.publish(later!);
    const text = await readStream(res, (t) => t.includes(`id: ${later!.id}`));
    abort.abort();
    const ids = [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
    assert.ok(ids.includes(later!.id), text);
    assert.ok(ids.includes(early!.id), 'the event published before the stream opened is on it');
    assert.ok(ids.indexOf(early!.id) < ids.indexOf(later!.id), 'in the order they were published');
  });
});

describe('a live feed of a session that ends', () => {
  test('is closed at the sign-out, and its reconnection is refused', async () => {
    const login = await fetch(`${gw.url}/_airlock/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/_airlock/api/live`, { headers: { cookie }, signal: abort.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read(); // retry: 2000, and the latest events published before it opened
    const out = await fetch(`${gw.url}/_airlock/logout`, {
      method: 'POST',
      headers: { cookie },
      redirect: 'manual',
    });
    assert.equal(out.status, 303);
    const afterSignOut = [...sealedEvents(1, Date.now() - 1000, Date.now(), 'after-sign-out')][0]!.event;
    dashboard.publish(afterSignOut);
    // Bounded: the stream must end, not carry the event; at most 50 reads of 100 ms.
    let text = '';
    let ended = false;
    let pending: ReturnType<typeof reader.read> | undefined;
    for (let i = 0; i < 50 && !ended; i++) {
      pending ??= reader.read();
      const chunk = await Promise.race([
        pending,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
      ]);
      if (!chunk) continue;
      pending = undefined;
      if (chunk.done) ended = true;
      else text += new TextDecoder().decode(chunk.value);
    }
    abort.abort();
    assert.ok(ended, 'the stream of the signed-out session is closed');
    assert.ok(!text.includes(afterSignOut.id), text);
    const again = await fetch(`${gw.url}/_airlock/api/live`, { headers: { cookie } });
    assert.equal(again.status, 401);
  });
});

describe('front end files', () => {
  test('a missing build is a 503 page that says how to build it', async () => {
    const res = await get('/', { authorization: `Bearer ${token}` });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build:web/);
  });

  test('content types, caching, gzip, 304 and no way out of the build folder', async () => {
    const root = join(dir.dir, 'web');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><div id="app"></div>');
    await writeFile(
      join(root, 'assets', 'app-abc123.js'),
      `console.log(${JSON.stringify('x'.repeat(2000))});`,
    );
    await writeFile(join(dir.dir, 'secret.txt'), 'outside');
    const d = createDashboard({ store, dataDir: dir.dir, webRoot: root });
    const server = await startGateway({ config: testConfig(), routes: [d.routes] });
    const auth = { authorization: `Bearer ${token}` };
    try {
      const page = await fetch(`${server.url}/_airlock/`, { headers: auth });
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      const js = await fetch(`${server.url}/_airlock/assets/app-abc123.js`, {
        headers: { ...auth, 'accept-encoding': 'gzip' },
      });
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(js.headers.get('content-encoding'), 'gzip');
      assert.match(await js.text(), /console\.log/);
      const etag = js.headers.get('etag') ?? '';
      const again = await fetch(`${server.url}/_airlock/assets/app-abc123.js`, {
        headers: { ...auth, 'if-none-match': etag },
      });
      assert.equal(again.status, 304);
      assert.equal((await fetch(`${server.url}/_airlock/assets/missing.js`, { headers: auth })).status, 404);
      // A hash route or unknown page path is the app; an escape attempt is never the file outside.
      const escape = await fetch(`${server.url}/_airlock/%2e%2e/secret.txt`, { headers: auth });
      assert.doesNotMatch(await escape.text(), /outside/);
    } finally {
      await d.close();
      await server.close(500);
    }
  });
});
