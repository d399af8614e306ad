/**
 * Reading a store URL the way pg reads it. The WHATWG URL parser refuses a user part with no
 * host (`postgres://airlock@/audit?host=/var/run/postgresql`: a unix socket, its directory given
 * by `?host=`), which pg-connection-string takes by putting a placeholder host in where the first
 * `@/` is. So do we, and every URL written back (to pg, in a message) has it taken out again.
 */

/** Never a real host: `.invalid` is reserved (RFC 2606). */
const NO_HOST = 'airlock-no-host.invalid';

/** The URL as pg reads it; throws (like `new URL`) when pg could not read it either. */
export function parseStoreUrl(text: string): URL {
  try {
    return new URL(text);
  } catch (err) {
    if (!text.includes('@/')) throw err;
    return new URL(text.replace('@/', `@${NO_HOST}/`));
  }
}

/** `url` as text, without the placeholder host parseStoreUrl may have put in. */
export function storeUrlText(url: URL): string {
  const text = url.toString();
  if (url.hostname !== NO_HOST) return text;
  // Serialized, the user part has its `@` %-encoded: the host follows the one `@`, or `//`.
  const after = text.includes(`@${NO_HOST}`) ? `@${NO_HOST}` : `//${NO_HOST}`;
  return text.replace(after, after.slice(0, -NO_HOST.length));
}
