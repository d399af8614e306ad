/**
 * SQLite databases, as Codex CLI writes them. From 0.16x Codex keeps, beside its rollouts, SQLite
 * files in ~/.codex (tables and columns as Codex 0.169's own migrations create them):
 *
 * - `thread_history_N.sqlite`: `thread_items`, one turn item a row, JSON in `item_json`
 *   (`{type: "userMessage", content: [{type: "text", text}]}`, `{type: "agentMessage", text}`,
 *   `{type: "commandExecution", command, cwd, aggregatedOutput, ...}`, ...), and
 *   `thread_realtime_items` alike;
 * - `state_N.sqlite`: `threads`, whose `title`, `first_user_message` and `preview` are the first
 *   prompt and `name` the one the user gave;
 * - `memories_N.sqlite`: `stage1_outputs`, the memories the model wrote from past threads
 *   (`raw_memory`, `rollout_summary`), given to later ones;
 * - `goals_N.sqlite`: `thread_goals.objective`; `queue_N.sqlite`: `queued_items.payload_json`,
 *   messages queued to be sent.
 *
 * Only these columns are read: the rest is bookkeeping (ids, paths, times, settings). A database
 * with none of these tables (Codex's `logs_N.sqlite`, any other program's) is not read, and says
 * so. Each row is a record: its line is its rowid, its path starts with table and column.
 */
import type Database from 'better-sqlite3';
import type { JsonPath, Role } from '../../dialects/types.js';
import { walkLeaves, parseEmbeddedJson, type LeafSink } from './walk.js';
import { Batcher, type ReadBatch } from './batcher.js';
import type { KeyContext } from './key-context.js';

/** The first 16 bytes of every SQLite 3 database file. */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function isSqlite(head: Buffer): boolean {
  return head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);
}

type Rec = Record<string, unknown>;

interface Column {
  name: string;
  role: Role;
  /** A Codex turn item as JSON (itemLeaves); otherwise text, walked as JSON when it is JSON. */
  item?: true;
}

interface Table {
  name: string;
  columns: Column[];
  /** Milliseconds since the epoch: the record's time. */
  time?: string;
}

const TABLES: Table[] = [
  { name: 'thread_items', columns: [{ name: 'item_json', role: 'user', item: true }], time: 'created_at_ms' },
  {
    name: 'thread_realtime_items',
    columns: [{ name: 'item_json', role: 'user', item: true }],
    time: 'created_at_ms',
  },
  {
    name: 'threads',
    columns: ['title', 'first_user_message', 'preview', 'name'].map((name) => ({ name, role: 'user' })),
    time: 'updated_at_ms',
  },
  {
    name: 'stage1_outputs',
    columns: [
      { name: 'raw_memory', role: 'assistant' },
      { name: 'rollout_summary', role: 'assistant' },
    ],
  },
  { name: 'thread_goals', columns: [{ name: 'objective', role: 'user' }], time: 'updated_at_ms' },
  { name: 'queued_items', columns: [{ name: 'payload_json', role: 'user' }], time: 'created_at_ms' },
];

/** The tables read, for the message about a database that has none of them. */
export const SQLITE_TABLES = TABLES.map((t) => t.name);

/** Turn items by type: whose text they hold. */
const ITEM_ROLES: Record<string, Role> = {
  userMessage: 'user',
  agentMessage: 'assistant',
  plan: 'assistant',
  reasoning: 'assistant',
};

/** Members of a tool's item: what the model asked for, and what it got back. */
const MEMBER_ROLES: Record<string, Role> = {
  command: 'tool_use',
  arguments: 'tool_use',
  changes: 'tool_use',
  query: 'tool_use',
  aggregatedOutput: 'tool_result',
  result: 'tool_result',
  error: 'tool_result',
  contentItems: 'tool_result',
};

/**
 * Item members that hold no conversation text: ids, state, where a command ran (`cwd`, as the
 * rollout reader leaves it), and `commandActions` (the UI's parse of `command`, read there).
 */
const ITEM_BOOKKEEPING = new Set([
  'type',
  'id',
  'clientId',
  'processId',
  'pluginId',
  'scriptPath',
  'source',
  'status',
  'cwd',
  'exitCode',
  'durationMs',
  'commandActions',
  'phase',
  'moderation',
  'delivery',
  'memoryCitation',
]);

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A turn item: every member but bookkeeping, with the role its item type or member name gives. */
function itemLeaves(item: Rec, path: JsonPath, sink: LeafSink): void {
  const typeRole = typeof item.type === 'string' ? ITEM_ROLES[item.type] : undefined;
  for (const [key, value] of Object.entries(item)) {
    if (ITEM_BOOKKEEPING.has(key)) continue;
    // A type not known here still has its text scanned: as metadata, its role unknown.
    const role = MEMBER_ROLES[key] ?? typeRole ?? 'metadata';
    walkLeaves(value, [...path, key], role, sink, false, 1, typeof value === 'string' ? key : undefined);
  }
}

export type OpenedDatabase = { ok: true; batches: AsyncGenerator<ReadBatch> } | { ok: false; reason: string };

/**
 * Opens `file` read-only (SQLite may still create the `-wal` and `-shm` files of a WAL database
 * beside it, as the CLI itself does, to read what the log holds) and reads the tables above.
 */
export async function openDatabase(
  file: string,
  displayName: string,
  keys: KeyContext,
): Promise<OpenedDatabase> {
  const { default: Sqlite } = await import('better-sqlite3');
  let db: Database.Database;
  try {
    db = new Sqlite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { ok: false, reason: `SQLite database that could not be opened (${(err as Error).message})` };
  }
  let present: Table[];
  try {
    const names = new Set(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    present = TABLES.filter((t) => names.has(t.name));
  } catch (err) {
    db.close();
    return { ok: false, reason: `SQLite database that could not be read (${(err as Error).message})` };
  }
  if (present.length === 0) {
    db.close();
    return {
      ok: false,
      reason: `SQLite database with none of the tables airlock scan reads (Codex CLI's ${SQLITE_TABLES.join(', ')})`,
    };
  }
  return { ok: true, batches: readTables(db, present, displayName, keys) };
}

async function* readTables(
  db: Database.Database,
  tables: Table[],
  file: string,
  keys: KeyContext,
): AsyncGenerator<ReadBatch> {
  const out = new Batcher(file, keys);
  try {
    for (const table of tables) {
      const columnsHere = new Set(
        (db.prepare(`PRAGMA table_info("${table.name}")`).all() as { name: string }[]).map((c) => c.name),
      );
      const columns = table.columns.filter((c) => columnsHere.has(c.name));
      if (columns.length === 0) continue;
      const time = table.time !== undefined && columnsHere.has(table.time) ? table.time : undefined;
      const select = [...columns.map((c) => `"${c.name}"`), ...(time ? [`"${time}"`] : [])].join(', ');
      const rows = db
        .prepare(`SELECT rowid AS "rowid", ${select} FROM "${table.name}"`)
        .iterate() as Iterable<Rec>;
      for (const row of rows) {
        out.batch.records += 1;
        const line = Number(row.rowid);
        const ms = time !== undefined ? row[time] : undefined;
        const ts = typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
        const sink: LeafSink = (leaf) => out.add(leaf, line, 'codex', ts);
        for (const column of columns) {
          const value = row[column.name];
          if (typeof value !== 'string') continue;
          const path: JsonPath = [table.name, column.name];
          if (column.item) {
            const item = parseEmbeddedJson(value);
            if (isObject(item)) {
              itemLeaves(item, path, sink);
              continue;
            }
            // Not the JSON it should be: its text is still scanned, and said so.
            out.warn(`${table.name}.${column.name} is not a JSON object; scanned as text`, line);
            out.batch.linesAsText += 1;
            sink({ path, role: column.role, text: value });
            continue;
          }
          walkLeaves(value, path, column.role, sink, false, 0, column.name);
        }
        if (out.full()) yield out.take();
      }
    }
  } finally {
    db.close();
  }
  yield out.take();
}
