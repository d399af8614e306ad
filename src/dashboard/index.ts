/**
 * The dashboard, mounted on the gateway under `/_airlock/`:
 *
 *   const dashboard = createDashboard({ store, dataDir, policyInfo });
 *   startGateway({ config, routes: [dashboard.routes] });
 *   recorder-side: dashboard.publish(event) for each new audit event (live feed)
 *
 * Request order: loopback gate (403), login/logout (open), token or session cookie (401),
 * then the JSON API under `/_airlock/api/` or the built front end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorText, isStoreUnreachable } from '../audit/errors.js';
import type { AuditStore } from '../audit/store.js';
import type { AuditEvent } from '../audit/types.js';
import type { RouteHandler } from '../gateway/server.js';
import { BadQuery, DashboardApi, type PolicyInfoInput } from './api.js';
import { isLoopback } from '../egress/ip.js';
import { DashboardAuth } from './auth.js';
import { PREFIX, securityHeaders, sendJson, sendText } from './http.js';
import { StoreFollower } from './follow.js';
import { LiveFeed } from './live.js';
import { openDashboardReader } from './reader.js';
import { handleLogin, handleLogout } from './login.js';
import { defaultWebRoot, StaticFiles } from './static.js';
import { loadOrCreateDashboardToken } from './token.js';

export { loadOrCreateDashboardToken, type DashboardToken } from './token.js';
export type { PolicyInfoInput } from './api.js';

export interface DashboardOptions {
  store: AuditStore;
  /** Where `dashboard.token` lives (created on first start, mode 0600). */
  dataDir: string;
  /** The token to use instead of the one in `dataDir` (tests, or a secret manager). */
  token?: string;
  policyInfo?: () => PolicyInfoInput | undefined | Promise<PolicyInfoInput | undefined>;
  /**
   * Read a SQLite store from a worker thread (default true), so dashboard queries never stall
   * the gateway; false reads on the calling thread.
   */
  readInWorker?: boolean;
  /**
   * While a live feed is open, poll the store this often (ms) for events other gateway
   * processes recorded; default 1000, 0 turns it off (one process: publish() is enough).
   */
  followStoreMs?: number;
  onError?: (err: unknown) => void;
  /** Serve non-loopback clients too (still behind the token). Default false. */
  allowRemote?: boolean;
  /** The built front end; default `web/dist` of this package. */
  webRoot?: string;
  /** Overview answers are reused this long (ms); default 2000. */
  overviewCacheMs?: number;
  /** ...and served stale this long while a refresh runs (ms); default 60000. 0 disables. */
  overviewStaleMs?: number;
}

export interface Dashboard {
  /** Mount on the gateway: `startGateway({ routes: [dashboard.routes] })`. */
  routes: RouteHandler;
  /**
   * Pushes a newly recorded audit event to every open live feed. `line`: its spool line, when
   * the recorder has one (kept for the event's detail page instead of the event's objects).
   */
  publish(event: AuditEvent, line?: Buffer): void;
  /** The token in force and whether this start created it (print it once when created). */
  token: { value: string; created: boolean; path?: string };
  /** Ends the live feeds (call before closing the gateway) and stops the reader thread. */
  close(): Promise<void>;
}

/**
 * A new live stream starts with this many of the latest events (the page's first load is as
 * many): those published before it opened may not be in the store yet (live.ts).
 */
const LIVE_REPLAY = 100;

function pathOf(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return { path: q < 0 ? url : url.slice(0, q), query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) };
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const tokenInfo = options.token
    ? { token: options.token, created: false, path: undefined }
    : loadOrCreateDashboardToken(options.dataDir);
  const auth = new DashboardAuth(tokenInfo.token);
  const reader = options.readInWorker === false ? undefined : openDashboardReader(options.store);
  reader?.warm();
  const api = new DashboardApi({
    store: reader ?? options.store,
    policyInfo: options.policyInfo,
    overviewCacheMs: options.overviewCacheMs,
    overviewStaleMs: options.overviewStaleMs,
  });
  const live = new LiveFeed();
  auth.onSignOut(() => live.recheck());
  const followMs = options.followStoreMs ?? 1000;
  const follower =
    followMs > 0
      ? new StoreFollower({
          store: reader ?? options.store,
          intervalMs: followMs,
          seen: (id) => api.remembered(id),
          deliver: (event) => {
            api.remember(event);
            live.publish(event);
          },
          active: () => live.size > 0,
          onError: options.onError,
        })
      : undefined;
  follower?.start();
  const files = new StaticFiles(options.webRoot ?? defaultWebRoot());

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    try {
      if (path === 'overview') return sendJson(res, 200, await api.overview(query));
      if (path === 'events') return sendJson(res, 200, await api.events(query));
      if (path.startsWith('events/')) {
        const id = eventId(path.slice('events/'.length));
        const found = id === undefined ? undefined : await api.event(id);
        return found ? sendJson(res, 200, found) : sendJson(res, 404, { error: 'no such event' });
      }
      if (path === 'egress') return sendJson(res, 200, await api.egress(query));
      if (path === 'policy') return sendJson(res, 200, await api.policy());
      if (path === 'live')
        return live.subscribe(req, res, () => auth.authenticated(req), api.latestRemembered(LIVE_REPLAY));
      return sendJson(res, 404, { error: 'no such API' });
    } catch (err) {
      if (err instanceof BadQuery) return sendJson(res, 400, { error: err.message });
      if (isStoreUnreachable(err)) {
        options.onError?.(err);
        return sendJson(res, 503, {
          error:
            `the audit store did not answer (${errorText(err)}): the dashboard shows it again once the ` +
            'store is back; the gateway keeps recording to its spool meanwhile',
        });
      }
      throw err;
    }
  }

  const routes: RouteHandler = async function dashboardRoutes(req, res) {
    const { path, query } = pathOf(req.url ?? '/');
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return false;
    if (!options.allowRemote && !isLoopback(req.socket.remoteAddress)) {
      sendText(res, 403, 'the Airlock dashboard only answers on loopback\n');
      return true;
    }
    securityHeaders(res);
    const rest = path.slice(PREFIX.length + 1);
    if (rest === 'login') {
      await handleLogin(auth, req, res);
      return true;
    }
    if (rest === 'logout' && req.method === 'POST') {
      handleLogout(auth, req, res);
      return true;
    }
    if (!auth.authenticated(req)) {
      // Pages send a browser to the login form; everything else (API, assets, a wrong token) is a bare 401.
      const wantsPage = (path === PREFIX || rest === '') && req.headers.authorization === undefined;
      if (wantsPage && req.method === 'GET') {
        res.writeHead(303, { location: `${PREFIX}/login`, 'cache-control': 'no-store' }).end();
      } else {
        sendText(res, 401, 'unauthorized\n', { 'www-authenticate': 'Bearer realm="airlock"' });
      }
      return true;
    }
    if (path === PREFIX) {
      res.writeHead(308, { location: `${PREFIX}/` }).end();
      return true;
    }
    if (rest.startsWith('api/')) {
      await handleApi(req, res, rest.slice(4), query);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (!files.built()) {
      files.missing(res);
      return true;
    }
    // The app routes by URL hash, so every other page path is the app itself.
    if (!files.serve(req, res, rest === '' ? 'index.html' : rest)) {
      if (rest.startsWith('assets/')) files.notFound(res);
      else files.serve(req, res, 'index.html');
    }
    return true;
  };

  return {
    routes,
    publish(event, line) {
      api.remember(event, line);
      live.publish(event);
    },
    token: { value: tokenInfo.token, created: tokenInfo.created, path: tokenInfo.path },
    async close() {
      follower?.stop();
      live.close();
      await reader?.close();
    },
  };
}

/** An event id from its URL segment, or undefined for one no event can have (`%ZZ`, `%`). */
function eventId(segment: string): string | undefined {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return /^[\w-]{1,128}$/.test(id) ? id : undefined;
}
