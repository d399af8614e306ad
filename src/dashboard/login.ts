/**
 * The login page: a plain HTML form that posts the token once; the answer sets the session
 * cookie and sends the browser to the app. A wrong token gets 401 and a one-line page, nothing
 * of the dashboard.
 *
 * A link into the app (`/_airlock/#/event/<id>`) names its page in the fragment, which no
 * request carries: the redirect to this form keeps it in the address, and the form's one
 * script copies it into a hidden field, so that the answer to a sign-in sends the browser back
 * there. The server takes only a fragment of the app's own routes (`#/` and a few URL-safe
 * characters) and puts it after `/_airlock/`: no other place can be named.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardAuth } from './auth.js';
import { BodyTooLarge, PREFIX, readSmallBody, securityHeaders, sendHtml, sendText } from './http.js';

/** A page of the app as its address fragment: `#/event/01J...`, `#/live?kind=egress`. */
const APP_FRAGMENT = /^#\/[A-Za-z0-9_\-./?=&%,:~+]{0,500}$/;

/** Copies the address fragment into the form (a fragment the app could not open is left out). */
const KEEP_FRAGMENT_SCRIPT =
  `var h=location.hash,f=document.getElementById('next');` +
  `if(f&&${APP_FRAGMENT.toString()}.test(h))f.value=h;`;

/** The login page's only style is inline, and its only script is the one above, by its hash. */
const LOGIN_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; " +
  `script-src 'sha256-${createHash('sha256').update(KEEP_FRAGMENT_SCRIPT).digest('base64')}'; ` +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Airlock dashboard: sign in</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330;display:grid;place-items:center;min-height:100vh;margin:0}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(28rem,90vw)}
h1{font-size:1.2rem;margin:0 0 .5rem}p{color:#555;margin:.2rem 0 1rem}
input{width:100%;box-sizing:border-box;padding:.55rem;font:inherit;font-family:ui-monospace,monospace;border:1px solid #bbc;border-radius:4px}
button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit;background:#1f4fd1;color:#fff;border:0;border-radius:4px;cursor:pointer}
</style></head>
<body><form method="post" action="${PREFIX}/login">
<h1>Airlock dashboard</h1>
<p>Paste the dashboard token. <code>airlock start</code> printed it once; it is also in <code>&lt;data dir&gt;/dashboard.token</code>.</p>
<input name="token" type="password" autocomplete="current-password" autofocus required aria-label="token">
<input name="next" id="next" type="hidden" value="">
<button type="submit">Sign in</button>
</form><script>${KEEP_FRAGMENT_SCRIPT}</script></body></html>`;

const MAX_LOGIN_BODY = 4096;

function tokenFrom(body: string, contentType: string | undefined): string | undefined {
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (parsed && typeof parsed === 'object' && 'token' in parsed && typeof parsed.token === 'string') {
        return parsed.token;
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  return new URLSearchParams(body).get('token') ?? undefined;
}

/** Where a signed-in form goes: the app, at the page the form was opened for when it names one. */
export function afterSignIn(form: string): string {
  const next = new URLSearchParams(form).get('next') ?? '';
  return `${PREFIX}/${APP_FRAGMENT.test(next) ? next : ''}`;
}

export async function handleLogin(
  auth: DashboardAuth,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    securityHeaders(res, LOGIN_CSP);
    sendHtml(res, 200, LOGIN_PAGE);
    return;
  }
  if (req.method !== 'POST') {
    sendText(res, 405, 'method not allowed\n', { allow: 'GET, POST' });
    return;
  }
  let body: string;
  try {
    body = await readSmallBody(req, MAX_LOGIN_BODY);
  } catch (err) {
    if (err instanceof BodyTooLarge) return sendText(res, 413, 'too large\n');
    throw err;
  }
  const token = tokenFrom(body, req.headers['content-type']);
  if (token === undefined || !auth.checkToken(token)) {
    sendText(res, 401, 'unauthorized\n');
    return;
  }
  const json = req.headers['content-type']?.startsWith('application/json') ?? false;
  res.setHeader('set-cookie', auth.sessionCookie());
  if (json) res.writeHead(204, { 'cache-control': 'no-store' }).end();
  else res.writeHead(303, { location: afterSignIn(body), 'cache-control': 'no-store' }).end();
}

export function handleLogout(auth: DashboardAuth, req: IncomingMessage, res: ServerResponse): void {
  auth.signOut(req);
  res.setHeader('set-cookie', DashboardAuth.clearCookie());
  res.writeHead(303, { location: `${PREFIX}/login`, 'cache-control': 'no-store' }).end();
}
