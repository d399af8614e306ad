/**
 * Dashboard sessions: each sign-in gets its own cookie, which the gateway ends 12 hours after
 * sign-in and at sign-out, and which dies with the token. A cookie seen by another local service
 * (browsers share 127.0.0.1's cookies among its ports) is worth no more than that.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { COOKIE_NAME, DashboardAuth } from '../../src/dashboard/auth.js';

const TOKEN = 'a'.repeat(43);

/** The cookie value a Set-Cookie header sets, sent back as a browser would. */
function carrying(setCookie: string): IncomingMessage {
  const value = /^airlock_dashboard=([^;]*)/.exec(setCookie)![1]!;
  return { headers: { cookie: `other=1; ${COOKIE_NAME}=${value}` } } as unknown as IncomingMessage;
}

test('each sign-in gets its own cookie; signing out ends that one only', () => {
  const auth = new DashboardAuth(TOKEN);
  const first = auth.sessionCookie();
  const second = auth.sessionCookie();
  assert.notEqual(first, second);
  assert.match(first, /; Path=\/_airlock; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  assert.ok(auth.authenticated(carrying(first)));
  auth.signOut(carrying(first));
  assert.ok(!auth.authenticated(carrying(first)), 'replayed after sign-out');
  assert.ok(auth.authenticated(carrying(second)), 'another session goes on');
});

test('the gateway ends a session 12 hours after sign-in, whatever the browser keeps', () => {
  let now = 1_800_000_000_000;
  const auth = new DashboardAuth(TOKEN, () => now);
  const cookie = auth.sessionCookie();
  now += 12 * 3600 * 1000 - 1;
  assert.ok(auth.authenticated(carrying(cookie)));
  now += 2;
  assert.ok(!auth.authenticated(carrying(cookie)));
});

test('a cookie survives a restart, not a new token, and cannot be forged or stretched', () => {
  const cookie = new DashboardAuth(TOKEN).sessionCookie();
  assert.ok(new DashboardAuth(TOKEN).authenticated(carrying(cookie)), 'after a restart');
  assert.ok(!new DashboardAuth('b'.repeat(43)).authenticated(carrying(cookie)), 'after a new token');
  const [issued, id, mac] = /=([^;]*)/.exec(cookie)![1]!.split('.') as [string, string, string];
  const later = `${COOKIE_NAME}=${Number(issued) + 3600_000}.${id}.${mac}`;
  assert.ok(!new DashboardAuth(TOKEN).authenticated(carrying(later)), 'a moved issue time');
  assert.ok(!new DashboardAuth(TOKEN).authenticated(carrying(`${COOKIE_NAME}=x.y.z`)));
});
