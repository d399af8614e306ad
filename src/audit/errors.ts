/**
 * Errors opening or reaching an audit store. The message says which store and where (file
 * path, or URL without its password) and what to do; the CLI and the gateway print it as is.
 */
export type AuditStoreProblem = 'missing' | 'corrupt' | 'unreachable' | 'failed' | 'bad-spec';

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

export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return errorText(err.errors[0]);
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db`: the password never reaches a log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
