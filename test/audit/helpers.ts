/** Shared fixtures: realistic events, and each store kind opened fresh (PostgreSQL in its own schema). */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FindingDecision } from '../../src/gateway/inspector.js';
import { buildEventBody, type AuditEventInput } from '../../src/audit/event.js';
import { seal } from '../../src/audit/chain.js';
import { ulid } from '../../src/audit/ulid.js';
import { GENESIS_HASH, type SealedEvent } from '../../src/audit/types.js';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { ThreadedSqliteStore } from '../../src/audit/sqlite-threaded.js';
import type { AuditStore } from '../../src/audit/store.js';
import type { AuditIo } from '../../src/cli/commands/audit.js';

export const PG_URL = process.env.AIRLOCK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function tempDir(
  prefix = 'airlock-audit-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function uniqueSchema(): string {
  return `airlock_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function findingDecision(
  ruleId: string,
  category: FindingDecision['finding']['category'],
): FindingDecision {
  return {
    finding: {
      ruleId,
      category,
      severity: category === 'secret' ? 'critical' : 'medium',
      kind: 'text',
      input: 0,
      path: ['messages', 0, 'content'],
      role: 'user',
      start: 0,
      end: 4,
    },
    action: category === 'secret' ? 'block' : 'pseudonymize',
    valueHash: 'h'.repeat(16),
    preview: 'ab…yz',
  };
}

export function sampleInput(i: number, time: number): AuditEventInput {
  const blocked = i % 5 === 0;
  return {
    time,
    kind: i % 7 === 0 ? 'egress' : 'request',
    userAgent: i % 2 ? 'claude-cli/1.0.0 (external, cli)' : 'OpenAI/JS 6.1.0',
    provider: i % 2 ? 'anthropic' : 'openai',
    dialect: i % 2 ? 'anthropic-messages' : 'openai-chat',
    model: i % 2 ? 'claude-sonnet-4' : 'gpt-5',
    method: 'POST',
    path: '/v1/messages?key=AIzaSECRET&beta=true',
    status: blocked ? 403 : 200,
    latency_ms: { total: 12.5 + i, upstream: 10, inspect: 0.4 },
    bytes_in: 1000 + i,
    bytes_out: 2000,
    decision: blocked ? 'block' : i % 3 === 0 ? 'pseudonymize' : 'forward',
    mode: 'enforce',
    findings: blocked
      ? [findingDecision('aws-access-key', 'secret'), findingDecision('env-hostname', 'environment')]
      : i % 3 === 0
        ? [findingDecision('env-home-path', 'environment')]
        : [],
  };
}

/** A correctly chained run of events for one instance. */
export function sealedChain(
  instance: string,
  count: number,
  start = Date.parse('2026-01-01T00:00:00Z'),
  /** When the i-th request came (default: a second after the one before). */
  timeOf: (i: number) => number = (i) => start + i * 1000,
): SealedEvent[] {
  const out: SealedEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= count; i++) {
    const time = timeOf(i);
    const sealed = seal(buildEventBody(sampleInput(i, time)), { id: ulid(time), instance, seq: i, prevHash });
    prevHash = sealed.event.hash;
    out.push(sealed);
  }
  return out;
}

export interface OpenedStore {
  store: AuditStore;
  /** Runs raw SQL against the store, `$events` / `$findings` standing for the table names. */
  exec(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'sqlite-threaded' | 'postgres';
  open(): Promise<OpenedStore>;
}

export const STORE_KINDS: StoreKind[] = [
  {
    name: 'sqlite',
    async open() {
      const tmp = await tempDir();
      const store = new SqliteAuditStore({ path: join(tmp.dir, 'audit.db') });
      await store.init();
      return {
        store,
        exec: async (sql) => {
          store
            .database()
            .exec(sql.replaceAll('$events', 'audit_events').replaceAll('$findings', 'audit_findings'));
        },
        cleanup: async () => {
          await store.close();
          await tmp.cleanup();
        },
      };
    },
  },
  {
    name: 'sqlite-threaded',
    async open() {
      const tmp = await tempDir();
      const store = new ThreadedSqliteStore({ path: join(tmp.dir, 'audit.db') });
      await store.init();
      return {
        store,
        exec: async (sql) => {
          store
            .database()
            .exec(sql.replaceAll('$events', 'audit_events').replaceAll('$findings', 'audit_findings'));
        },
        cleanup: async () => {
          await store.close();
          await tmp.cleanup();
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = uniqueSchema();
      const store = new PostgresAuditStore({ url: PG_URL, schema });
      await store.init();
      const t = store.tableNames();
      return {
        store,
        exec: async (sql) => {
          await store.sql(sql.replaceAll('$events', t.events).replaceAll('$findings', t.findings));
        },
        cleanup: async () => {
          await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await store.close();
        },
      };
    },
  },
];

/** The audit commands' output streams, captured (stderr a terminal when `isTTY`). */
export function captureIo(isTTY = false): AuditIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: (s: string) => (err += s), isTTY },
    out: () => out,
    err: () => err,
  };
}

/**
 * A TCP proxy to the PostgreSQL at 127.0.0.1:5432 that can be cut (connections refused and
 * reset: stop()) and restored (start()), on `port` (0: a free one, kept across restarts).
 */
export class CuttablePg {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(public port = 0) {}
  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}
