/**
 * What an `audit:` store setting (or `--store`, `AIRLOCK_AUDIT_STORE`) names, checked without
 * opening anything: the config schema refuses a wrong one with the file, line and key, and
 * createAuditStore builds the store from the same reading. Light on purpose (no database
 * drivers): the config is loaded by commands that never open a store.
 */
import { AuditStoreError, redactUrl } from './errors.js';
import { parseStoreUrl } from './store-url.js';

export type StoreSpec =
  /** `path` undefined: `<dataDir>/audit.db`. */
  { kind: 'sqlite'; path: string | undefined } | { kind: 'postgres'; url: string };

/** What PostgreSQL takes unquoted: the schema name goes into statements as an identifier. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const SUPPORTED = 'use sqlite, sqlite:<path> or postgres://user@host:5432/db';

/** Reads a store setting; a wrong one is an AuditStoreError (`bad-spec`) saying what is wrong. */
export function parseStoreSpec(spec: string | undefined): StoreSpec {
  const value = spec?.trim();
  if (!value || value === 'sqlite') return { kind: 'sqlite', path: undefined };
  if (/^postgres(ql)?:/i.test(value)) return { kind: 'postgres', url: checkPostgresUrl(value) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^sqlite:/i.test(value)) {
    const shown = redactUrl(value);
    throw new AuditStoreError('bad-spec', shown, `unsupported audit store "${shown}": ${SUPPORTED}`);
  }
  const path = value.replace(/^sqlite:(\/\/)?/i, '');
  if (path === '') throw new AuditStoreError('bad-spec', value, `"${value}" names no file: ${SUPPORTED}`);
  return { kind: 'sqlite', path };
}

function checkPostgresUrl(value: string): string {
  let url: URL;
  try {
    if (!/^postgres(ql)?:\/\//i.test(value)) throw new Error('no //');
    // As pg reads it: `postgres://user@/db?host=/var/run/postgresql` (a unix socket) too.
    url = parseStoreUrl(value);
  } catch {
    // Not echoed: where the URL breaks is unknown, so a password in it may not be where
    // redactUrl looks for one.
    throw new AuditStoreError(
      'bad-spec',
      '(unparsable URL)',
      'the PostgreSQL audit store URL is not a valid URL: expected postgres://user@host:5432/db, ' +
        'or postgres://user@/db?host=/var/run/postgresql for a unix socket ' +
        '(a password with special characters must be %-encoded)',
    );
  }
  const schema = url.searchParams.get('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new AuditStoreError(
      'bad-spec',
      redactUrl(value),
      `invalid PostgreSQL schema name "${schema}": lower-case letters, digits and _ (at most 63)`,
    );
  }
  return value;
}
