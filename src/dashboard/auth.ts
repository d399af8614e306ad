/**
 * Who may see the dashboard. Two gates, in order: the connection must come from this machine
 * (loopback) unless `allowRemote`, and the request must carry the token, either as
 * `Authorization: Bearer <token>` (scripts) or as the session cookie the login form sets
 * (browsers). Each sign-in gets its own cookie: its time, a random id and an HMAC of both under
 * the token, so it stays valid across restarts and dies when the token file is replaced. The
 * gateway, not the browser, ends it 12 hours after sign-in, and signing out ends it at once
 * (until a restart: the ids signed out are kept in memory). It is HttpOnly (no script reads it)
 * and SameSite=Strict; browsers share 127.0.0.1's cookies among all its ports, so another local
 * service the browser visits could see it: this bounds what a cookie seen there is worth.
 */
import { createHmac, timingSafeEqual, createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PREFIX } from './http.js';

export const COOKIE_NAME = 'airlock_dashboard';
const SESSION_MAX_AGE_S = 12 * 3600;

/** Compares in constant time whatever the lengths (hashing first makes them equal). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** Ids of signed-out sessions kept at most (each lives 12 hours anyway). */
const SIGNED_OUT_MAX = 10_000;

export class DashboardAuth {
  private readonly key: Buffer;
  /** Signed-out session ids → when their cookie would have expired (ms). */
  private readonly signedOut = new Map<string, number>();
  private readonly signOutListeners = new Set<() => void>();

  constructor(
    private readonly token: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', token).update('airlock-dashboard-session-v2').digest();
  }

  private sign(issued: string, id: string): string {
    return createHmac('sha256', this.key).update(`${issued}.${id}`).digest('base64url');
  }

  /** The session id of a valid, unexpired, not signed-out cookie value; undefined otherwise. */
  private sessionOf(value: string): string | undefined {
    const [issued = '', id = '', mac = '', extra] = value.split('.');
    if (extra !== undefined || !/^\d{1,15}$/.test(issued) || !/^[\w-]{16,64}$/.test(id)) return undefined;
    if (!sameSecret(mac, this.sign(issued, id))) return undefined;
    const age = this.now() - Number(issued);
    if (age < 0 || age > SESSION_MAX_AGE_S * 1000 || this.signedOut.has(id)) return undefined;
    return id;
  }

  checkToken(candidate: string): boolean {
    return sameSecret(candidate.trim(), this.token);
  }

  /** True when the request carries the bearer token or a valid session cookie. */
  authenticated(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return m?.[1] !== undefined && this.checkToken(m[1]);
    }
    const cookie = cookies(req).get(COOKIE_NAME);
    return cookie !== undefined && this.sessionOf(cookie) !== undefined;
  }

  /** A new session's cookie. Secure is left off: the dashboard is served over plain http on loopback. */
  sessionCookie(): string {
    const issued = String(this.now());
    const id = randomBytes(18).toString('base64url');
    const value = `${issued}.${id}.${this.sign(issued, id)}`;
    return `${COOKIE_NAME}=${value}; Path=${PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}`;
  }

  /** Ends the session whose cookie the request carries, if any: it is refused from now on. */
  signOut(req: IncomingMessage): void {
    const cookie = cookies(req).get(COOKIE_NAME);
    const id = cookie === undefined ? undefined : this.sessionOf(cookie);
    if (id === undefined) return;
    const now = this.now();
    for (const [old, expires] of this.signedOut) if (expires <= now) this.signedOut.delete(old);
    if (this.signedOut.size >= SIGNED_OUT_MAX) this.signedOut.delete(this.signedOut.keys().next().value!);
    this.signedOut.set(id, now + SESSION_MAX_AGE_S * 1000);
    for (const listener of this.signOutListeners) listener();
  }

  /** Told after each sign-out (the live feed closes that session's open streams). */
  onSignOut(listener: () => void): void {
    this.signOutListeners.add(listener);
  }

  static clearCookie(): string {
    return `${COOKIE_NAME}=; Path=${PREFIX}; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}
