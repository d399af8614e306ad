/**
 * Who may see the dashboard. Two gates, in order: the connection must come from this machine
 * (loopback) unless `allowRemote`, and the request must carry the token, either as
 * `Authorization: Bearer <token>` (scripts) or as the session cookie the login form sets
 * (browsers). The cookie holds an HMAC of the token rather than the token itself, so it stays
 * valid across restarts and dies when the token file is replaced; it is HttpOnly (no script
 * reads it) and SameSite=Strict (no other site's page sends it).
 */
import { createHmac, timingSafeEqual, createHash } from 'node:crypto';
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

export class DashboardAuth {
  private readonly session: string;

  constructor(private readonly token: string) {
    this.session = createHmac('sha256', token).update('airlock-dashboard-session-v1').digest('base64url');
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
    return cookie !== undefined && sameSecret(cookie, this.session);
  }

  /** Secure is left off: the dashboard is served over plain http on loopback. */
  sessionCookie(): string {
    return `${COOKIE_NAME}=${this.session}; Path=${PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}`;
  }

  static clearCookie(): string {
    return `${COOKIE_NAME}=; Path=${PREFIX}; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}
