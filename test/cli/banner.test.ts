/** What `airlock start` prints once it is up: where to point the assistants, and the dashboard. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Airlock } from '../../src/app.js';
import { usageBanner } from '../../src/cli/commands/start.js';

function airlockAt(url: string): Airlock {
  return {
    gateway: { url },
    policy: () => ({ source: '(built-in default policy)' }),
    store: { location: '/data/audit.db' },
    dashboard: { token: { value: 'T0KEN', created: true, path: '/data/dashboard.token' } },
  } as unknown as Airlock;
}

test('the dashboard URL is printed where loopback clients reach it, the token once', () => {
  for (const listenHost of ['127.0.0.1', '::1', 'localhost', '0.0.0.0']) {
    const banner = usageBanner(airlockAt('http://127.0.0.1:8789'), '/data', {
      listenHost,
      allowRemote: false,
    });
    assert.match(banner, /^Dashboard: http:\/\/127\.0\.0\.1:8789\/_airlock\/$/m, listenHost);
    assert.match(banner, /Dashboard token \(shown once, kept in \/data\/dashboard\.token\): T0KEN/);
  }
});

test('on another interface only, it says the dashboard answers no one there, and how to serve it', () => {
  const banner = usageBanner(airlockAt('http://192.0.2.2:8789'), '/data', {
    listenHost: '192.0.2.2',
    allowRemote: false,
  });
  assert.doesNotMatch(banner, /_airlock\//);
  assert.match(banner, /Dashboard: not reachable on 192\.0\.2\.2: it answers loopback clients only/);
  assert.match(banner, /dashboard\.allow_remote: true/);
  const allowed = usageBanner(airlockAt('http://192.0.2.2:8789'), '/data', {
    listenHost: '192.0.2.2',
    allowRemote: true,
  });
  assert.match(allowed, /^Dashboard: http:\/\/192\.0\.2\.2:8789\/_airlock\/$/m);
});
