/**
 * Request bodies that carry no text by design, sent to endpoints no dialect reads: what the
 * policy's `uninspected_endpoints: block` lets through, since clients need these requests to work
 * and nothing in them can hold what Airlock looks for. Every other body sent to such an endpoint
 * went unread (see the gateway's `uninspected`).
 *
 * A body is textless only when its bytes are exactly the shape listed here: one more member, a
 * value of another type or shape, and it is not (a client could put anything in a member the
 * provider ignores). Requests without a body (GET, HEAD, DELETE, and the POSTs the SDKs send
 * bare) never get this far: they have nothing to inspect.
 */
import type { Provider } from '../errors.js';
import { pathOnly } from './walk.js';

/** A member's value as the shape allows it. */
type Check = (value: unknown) => boolean;

interface TextlessEndpoint {
  provider: Provider;
  method: string;
  path: RegExp;
  /** Every member the body may have, each with its check; none is required. */
  members: Readonly<Record<string, Check>>;
}

const ID = '[A-Za-z0-9_-]+';
const GEMINI_VERSION = '/v1(?:alpha|beta)?';

/** An id the provider issued for an upload's part (`part_abc123`): never text of the user's. */
const PART_ID = /^part_[A-Za-z0-9_-]{1,100}$/;
/** A duration as protobuf's JSON writes it (`3600s`, `1.5s`). */
const DURATION = /^\d{1,12}(?:\.\d{1,9})?s$/;
/** An RFC 3339 timestamp (`2026-11-29T06:00:00Z`, `…T06:00:00.123+01:00`). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

const matches =
  (re: RegExp): Check =>
  (value) =>
    typeof value === 'string' && re.test(value);

/**
 * The endpoints whose body is textless when it has this shape, each with why that is safe.
 * (An empty body or `{}` is textless at any endpoint: see carriesNoText.)
 */
const TEXTLESS_ENDPOINTS: readonly TextlessEndpoint[] = [
  {
    // OpenAI's `uploads.complete`: the ids of the parts, in order, and an optional checksum.
    // The parts' bytes went in their own `/parts` requests, each inspected (a binary part is
    // listed in its own event's `uninspected`); this one only names them, by the ids the
    // provider gave them.
    provider: 'openai',
    method: 'POST',
    path: new RegExp(`^(?:/v1)?/uploads/${ID}/complete$`),
    members: {
      part_ids: (v) => Array.isArray(v) && v.every(matches(PART_ID)),
      md5: matches(/^[0-9a-fA-F]{32}$/),
    },
  },
  {
    // @google/genai's `caches.update`: a context cache's new lifetime, as a duration or an
    // expiry time (the API allows no other update). The cache's contents were inspected when it
    // was created (POST cachedContents).
    provider: 'gemini',
    method: 'PATCH',
    path: new RegExp(`^${GEMINI_VERSION}/cachedContents/${ID}$`),
    members: { ttl: matches(DURATION), expireTime: matches(TIMESTAMP), expire_time: matches(TIMESTAMP) },
  },
];

/**
 * A body that is empty (blank) or the empty JSON object, at any endpoint: it holds nothing.
 * The SDKs send one where every parameter is in the path: @google/genai sends `{}` with its
 * cancels (`batches/{id}:cancel`, an operation's `:cancel`) and its DELETEs; the OpenAI and
 * Anthropic SDKs send their cancels (batches, responses, uploads, fine-tuning jobs, Message
 * Batches) with no body at all.
 */
const EMPTY = /^\s*(?:\{\s*\})?\s*$/;

/**
 * Whether `body` (as the client sent it, not compressed) to `method path` carries no text by
 * design: blank, `{}`, or one of TEXTLESS_ENDPOINTS in exactly its shape.
 */
export function carriesNoText(provider: Provider, method: string, path: string, body: Buffer): boolean {
  // Longer than any textless body: not worth decoding.
  if (body.length > 64 * 1024) return false;
  const text = body.toString('utf8');
  if (EMPTY.test(text)) return true;
  let clean = pathOnly(path);
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  const endpoint = TEXTLESS_ENDPOINTS.find(
    (e) => e.provider === provider && e.method === method.toUpperCase() && e.path.test(clean),
  );
  if (endpoint === undefined) return false;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const shaped = Object.entries(json).every(([name, value]) => {
    const check = Object.hasOwn(endpoint.members, name) ? endpoint.members[name] : undefined;
    return check !== undefined && check(value);
  });
  // What was checked must be all the bytes say: a member repeated (the parse kept its last
  // copy, a provider may read the first) or written with escapes is not. No value a check
  // allows holds a blank or a character JSON escapes, so the bytes without their blanks are
  // the parse written back.
  return shaped && text.replace(/\s+/g, '') === JSON.stringify(json);
}
