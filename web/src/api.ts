/** The JSON API client: same-origin fetches with the session cookie; a 401 goes back to the login form. */
import type {
  EgressReport,
  EventDetail,
  EventsPage,
  EventSummary,
  Overview,
  OverviewRange,
  PolicyInfo,
} from '../../src/dashboard/api-types.js';

export const BASE = '/_airlock';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface EarlyRequest {
  path: string;
  response: Promise<Response>;
}

/**
 * The request web/public/boot.js started for the landing page before this bundle ran, taken by
 * the first page's first load of the same path (a refresh, another page, ask anew).
 */
function takeEarly(path: string): Promise<Response> | undefined {
  const w = window as { __airlockEarly?: EarlyRequest };
  const early = w.__airlockEarly;
  if (early?.path !== path) return undefined;
  delete w.__airlockEarly;
  return early.response;
}

/** Drops a request the first page did not take (it opened elsewhere): later loads ask anew. */
export function forgetEarly(): void {
  delete (window as { __airlockEarly?: EarlyRequest }).__airlockEarly;
}

/** Set once the page is on its way to the login form. */
let leaving = false;

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await (takeEarly(path) ?? fetch(`${BASE}/api/${path}`, { credentials: 'same-origin', signal }));
  if (res.status === 401) {
    // The page's fragment goes along: the login form sends the browser back to it once signed in.
    // Once: a page's other calls answer 401 too, and a second navigation would abort the first.
    if (!leaving) {
      leaving = true;
      location.assign(`${BASE}/login${location.hash}`);
    }
    throw new ApiError(401, 'signed out');
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}

export interface EventFilter {
  kind?: string;
  decision?: string;
  provider?: string;
  category?: string;
  client?: string;
  rule?: string;
}

export const api = {
  overview: (range: OverviewRange, signal?: AbortSignal) => get<Overview>(`overview?range=${range}`, signal),
  events(filter: EventFilter, cursor?: string, limit = 100, signal?: AbortSignal) {
    const q = new URLSearchParams({ limit: String(limit) });
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    if (cursor) q.set('cursor', cursor);
    return get<EventsPage>(`events?${q}`, signal);
  },
  event: (id: string, signal?: AbortSignal) => get<EventDetail>(`events/${encodeURIComponent(id)}`, signal),
  egress: (range: OverviewRange, signal?: AbortSignal) => get<EgressReport>(`egress?range=${range}`, signal),
  policy: (signal?: AbortSignal) => get<PolicyInfo>('policy', signal),
};

/** Does a live event pass the list's filter? (The server filters pages; the feed is filtered here.) */
export function matches(e: EventSummary, f: EventFilter): boolean {
  if (f.kind && e.kind !== f.kind) return false;
  if (f.decision && !f.decision.split(',').includes(e.decision)) return false;
  if (f.provider && e.provider !== f.provider) return false;
  if (f.category && !e.categories.includes(f.category)) return false;
  if (f.client && e.client !== f.client) return false;
  if (f.rule && !e.rules.includes(f.rule)) return false;
  return true;
}
