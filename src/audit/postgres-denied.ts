/**
 * A PostgreSQL role without a privilege the audit store needs (SQLSTATE 42501: "permission
 * denied for database test", "... for schema airlock", "... for table audit_events", "must be
 * owner of table audit_events") as one message that says which store, what failed, and the
 * GRANT that fixes it: the server's own words name neither the store nor the role.
 */
import { AuditStoreError } from './errors.js';

/** What the store was doing when the server refused. */
export type StoreTask = 'migrate' | 'write' | 'prune' | 'read';

export interface DeniedContext {
  /** The store's URL without its password. */
  location: string;
  /** The role pg logs in as (the URL's user, else PGUSER, else the OS user). */
  role: string;
  /** The schema the tables are in: `?schema=`, else the role's current schema. */
  schema: string;
  task: StoreTask;
}

const DOING: Record<StoreTask, string> = {
  migrate: 'cannot create or upgrade the audit tables of',
  write: 'cannot write events to',
  prune: 'cannot delete events past `retain` (a retention run) from',
  read: 'cannot read',
};

export function isPermissionDenied(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === '42501';
}

/** `name` as a quoted identifier, ready to paste into a GRANT. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What a gateway needs: it inserts, upserts the rollup, deletes in retention runs. */
function writerGrants(role: string, schema: string): string {
  const r = ident(role);
  const s = ident(schema);
  return (
    `GRANT USAGE ON SCHEMA ${s} TO ${r}; ` +
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}; ` +
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r};`
  );
}

function readerGrants(role: string, schema: string): string {
  return `GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(role)}; GRANT SELECT ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${ident(role)};`;
}

function advice(serverSays: string, c: DeniedContext): string {
  const role = ident(c.role);
  const schema = ident(c.schema);
  const database = /^permission denied for database (.+)$/.exec(serverSays)?.[1];
  if (database !== undefined) {
    return (
      `the role ${role} may not create the schema ${schema}: create it once as a role that may ` +
      `(CREATE SCHEMA ${schema} AUTHORIZATION ${role};), or GRANT CREATE ON DATABASE ${ident(database)} TO ${role};`
    );
  }
  if (/^must be owner of /.test(serverSays)) {
    return (
      `the audit tables belong to another role and only their owner may upgrade them: start Airlock ` +
      `once with the owner's URL (it upgrades them, then ${role} can write again), or make ${role} their owner`
    );
  }
  if (c.task === 'migrate' && /^permission denied for schema /.test(serverSays)) {
    return (
      `the role ${role} may not create the audit tables in the schema ${schema}: start Airlock once as ` +
      `the schema's owner (it creates them), or GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role};`
    );
  }
  if (c.task === 'read')
    return `the role ${role} needs SELECT on the audit tables: ${readerGrants(c.role, c.schema)}`;
  return (
    `the role ${role} needs SELECT, INSERT, UPDATE and DELETE on the audit tables and USAGE on their ` +
    `sequences; as their owner run: ${writerGrants(c.role, c.schema)}`
  );
}

/** The AuditStoreError (`denied`) for a permission error; undefined for any other error. */
export function deniedError(err: unknown, c: DeniedContext): AuditStoreError | undefined {
  if (!isPermissionDenied(err)) return undefined;
  const serverSays = (err as Error).message;
  return new AuditStoreError(
    'denied',
    c.location,
    `${DOING[c.task]} the PostgreSQL audit store at ${c.location}: ${serverSays}; ${advice(serverSays, c)}`,
    { cause: err },
  );
}
