/**
 * Errors opening or reaching an audit store. The message says which store and where (file
 * path, or URL without its password) and what to do; the CLI and the gateway print it as is.
 */
import { parseStoreUrl, storeUrlText } from './store-url.js';

/** `denied`: the PostgreSQL role lacks a privilege (the message names the GRANT). */
export type AuditStoreProblem = 'missing' | 'corrupt' | 'unreachable' | 'failed' | 'bad-spec' | 'denied';

export class AuditStoreError extends Error {
  readonly problem: AuditStoreProblem;
  readonly location: string;

  constructor(problem: AuditStoreProblem, location: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditStoreError';
    this.problem = problem;
    this.location = location;
  }
}

/**
 * An audit log whose schema version is past this build's migrations was written by a newer
 * Airlock: what to do, for the message that names the store.
 */
export function newerSchemaMessage(version: number, known: number): string {
  return (
    `audit schema version ${version} is newer than this Airlock's (${known}): a newer Airlock wrote it, ` +
    'and this one neither reads nor writes it; run that version or a newer one, or give this one another store'
  );
}

/**
 * Whether `err` says the store could not be reached or would not answer (a connection refused,
 * reset or cut, PostgreSQL shutting down or out of connections, SQLite busy or failing I/O), as
 * opposed to a bug: readers answer the first with "not now", and let the second be a bug.
 */
export function isStoreUnreachable(err: unknown): boolean {
  if (err instanceof AuditStoreError) return err.problem === 'unreachable';
  if (err instanceof AggregateError && err.errors.length > 0) return isStoreUnreachable(err.errors[0]);
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(?:E[A-Z]+|08\w{3}|57P0\d|53\w{3}|SQLITE_(?:BUSY|LOCKED|IOERR|CANTOPEN|FULL)\w*)$/.test(code)
  )
    return true;
  // node-postgres words a dropped connection without a code.
  return /^Connection terminated|^Client has encountered a connection error|^timeout exceeded when trying to connect/.test(
    err.message,
  );
}

export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return errorText(err.errors[0]);
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}

/**
 * Query parameters that carry a secret or point at one: `password` (pg-connection-string copies
 * every parameter into the client's settings, so `?password=` logs in as well as the user
 * part), libpq's `sslpassword`, the client key file `sslkey`, the password file `passfile`, and
 * anything named like a credential (`api_key`, `token`, `secret`).
 */
const SECRET_PARAM = /pass|secret|token|key|credential|auth/i;

/**
 * `postgres://user:secret@host/db?password=x&sslmode=require` → `postgres://user@host/db?sslmode=require`:
 * the password never reaches a log, in the user part or as a parameter. A unix-socket URL keeps
 * its empty host: `postgres://user:secret@/db?host=/run/postgresql` → `postgres://user@/db?host=/run/postgresql`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = parseStoreUrl(url);
    // `u:p@ss/w@host`: a password with an unencoded `@` and `/` parses as the password `p`, the
    // host `ss` and a path with the rest of it; an `@` in the path is read as that.
    if (parsed.pathname.includes('@')) throw new Error('an @ after the host');
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) parsed.searchParams.delete(name);
    }
    return storeUrlText(parsed);
  } catch {
    // Unparsable, so its parts are guesses: everything up to the last `@` may be a password
    // (one with an unencoded `@` or `/` in it too), and so may any secret-named parameter.
    return url
      .replace(/([?&])([^=&#]*)=[^&#]*/g, (param: string, sep: string, name: string) =>
        SECRET_PARAM.test(name) ? sep : param,
      )
      .replace(/\/\/.*@/s, '//')
      .replace(/([?&])&+/g, '$1')
      .replace(/[?&]+(?=#|$)/, '');
  }
}
