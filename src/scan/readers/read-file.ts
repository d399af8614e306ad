/**
 * Reads one file into batches of located texts for the engine: opens it (gzip or not), sniffs
 * its format, then streams it line by line (JSONL, text) or element by element (HAR, legacy
 * session documents). Problems in the content become warnings with file and line; the
 * reading goes on.
 */
import { stat } from 'node:fs/promises';
import type { JsonPath } from '../../dialects/types.js';
import type { Assistant, InputFormat } from '../types.js';
import { auditLeaves } from './audit.js';
import { claudeCodeLeaves } from './claude-code.js';
import { codexLeaves } from './codex.js';
import { geminiLeaves, geminiMessageLeaves, isQwenRecord, qwenLeaves } from './gemini.js';
import { harEntryLeaves } from './har.js';
import { isQwenLogRecord, isQwenOpenAILog, qwenLogLeaves } from './qwen-logs.js';
import { jsonErrorText } from './json-error.js';
import type { KeyContext } from './key-context.js';
import { KeyBlockJoiner } from './key-blocks.js';
import { streamArrayElements } from './json-elements.js';
import { splitLines } from './lines.js';
import { requestBodyLeaves } from './request-body.js';
import { ValueLines } from './value-lines.js';
import { classifyRecord, sniff } from './sniff.js';
import { openSource } from './source.js';
import { isSqlite, openDatabase } from './sqlite.js';
import { startsWithUtf8Bom, utf16AsUtf8, utf16HeadAsUtf8, utf16Of, withoutUtf8Bom } from './text-encoding.js';
import type { Leaf, LeafSink } from './walk.js';
import { Batcher, timestampOf, type ReadBatch } from './batcher.js';

export type { ReadBatch } from './batcher.js';

export interface ReadLimits {
  /** Longest line kept; a longer one is skipped with a warning. */
  maxLineBytes: number;
  /** Largest HAR entry / session message, and largest whole JSON document. */
  maxDocumentBytes: number;
}

export const DEFAULT_LIMITS: ReadLimits = {
  maxLineBytes: 16 * 1024 * 1024,
  maxDocumentBytes: 32 * 1024 * 1024,
};

/** What every reader of one file needs beside its bytes. */
interface ReadContext {
  /** The file's name in warnings. */
  file: string;
  limits: ReadLimits;
  /** Which member names a value is scanned beside (the scan's rules). */
  keys: KeyContext;
}

export type OpenedFile =
  { ok: true; format: InputFormat; batches: AsyncGenerator<ReadBatch> } | { ok: false; reason: string };

type Rec = Record<string, unknown>;
type RecordHandler = (rec: Rec, sink: LeafSink) => void;

const LINE_HANDLERS: Partial<Record<InputFormat, RecordHandler>> = {
  'claude-code': claudeCodeLeaves,
  codex: codexLeaves,
  'gemini-cli': geminiLeaves,
  // Legacy Qwen files under ~/.qwen/tmp are Gemini-shaped; usage records and API logs are its own.
  'qwen-code': (rec, sink) => {
    if (isQwenRecord(rec)) qwenLeaves(rec, sink);
    else if (isQwenLogRecord(rec)) qwenLogLeaves(rec, sink);
    else geminiLeaves(rec, sink);
  },
  'airlock-audit': auditLeaves,
};

const ASSISTANTS: Record<InputFormat, Assistant> = {
  'claude-code': 'claude-code',
  codex: 'codex',
  'codex-sqlite': 'codex',
  'gemini-cli': 'gemini-cli',
  'qwen-code': 'qwen-code',
  'airlock-audit': 'airlock',
  har: 'other',
  json: 'other',
  jsonl: 'other',
  text: 'other',
};

/**
 * `classifyFirst`: the format is not known yet (the first line did not fit in the head); the
 * first record says which assistant's transcript it is, by the path `classifyFirst` gives.
 */
async function* readLines(
  chunks: AsyncIterable<Buffer>,
  format: InputFormat,
  { file, limits, keys }: ReadContext,
  classifyFirst?: string,
): AsyncGenerator<ReadBatch> {
  const out = new Batcher(file, keys);
  let assistant = ASSISTANTS[format];
  let handler = LINE_HANDLERS[format];
  let unclassified = classifyFirst !== undefined;
  const keyBlocks = format === 'text' ? new KeyBlockJoiner() : undefined;
  try {
    for await (const { lines, tooLong } of splitLines(chunks, limits.maxLineBytes)) {
      for (const long of tooLong) {
        out.warn(
          `line of ${long.bytes} bytes is over the ${limits.maxLineBytes}-byte line cap; skipped`,
          long.number,
        );
        out.batch.linesSkipped += 1;
      }
      for (const line of lines) {
        if (line.text.length === 0) continue;
        out.batch.records += 1;
        if (keyBlocks) {
          addText(line.text, line.number);
          const block = keyBlocks.push(line.text, line.number);
          if (block) addText(block.text, block.line);
        } else {
          let rec: unknown;
          try {
            rec = JSON.parse(line.text);
          } catch (err) {
            // A truncated or corrupt record: still scanned, as plain text, so nothing is missed.
            out.warn(`not valid JSON (${jsonErrorText(err)}); scanned as text`, line.number);
            out.batch.linesAsText += 1;
            addText(line.text, line.number);
            continue;
          }
          if (unclassified) {
            unclassified = false;
            const known =
              typeof rec === 'object' && rec !== null && !Array.isArray(rec)
                ? classifyRecord(rec as Rec, classifyFirst!)
                : undefined;
            if (known !== undefined) {
              assistant = ASSISTANTS[known];
              handler = LINE_HANDLERS[known];
              out.batch.format = known;
            }
          }
          const ts = typeof rec === 'object' && rec !== null ? timestampOf(rec as Rec) : undefined;
          const sink: LeafSink = (leaf) => out.add(leaf, line.number, assistant, ts);
          if (handler && typeof rec === 'object' && rec !== null && !Array.isArray(rec))
            handler(rec as Rec, sink);
          else requestBodyLeaves(rec, sink);
        }
        if (out.full()) yield out.take();
      }
    }
  } catch (err) {
    // A read error (truncated gzip, I/O): hand over what was read, then let the caller report it.
    addOpenBlock();
    yield out.take();
    throw err;
  }
  addOpenBlock();
  yield out.take();

  /** Plain text: a line of a text file, a key block, or a record that is not JSON. */
  function addText(text: string, lineNumber: number): void {
    out.add({ path: [], role: 'user', text }, lineNumber, assistant, undefined);
  }

  function addOpenBlock(): void {
    const open = keyBlocks?.end();
    if (open) addText(open.text, open.line);
  }
}

async function* readElements(
  chunks: AsyncIterable<Buffer>,
  format: InputFormat,
  target: string[],
  { file, limits, keys }: ReadContext,
): AsyncGenerator<ReadBatch> {
  const out = new Batcher(file, keys);
  let sessionStart: string | undefined;
  const prefix: JsonPath = target;
  let sawElement = false;
  try {
    for await (const events of streamArrayElements(chunks, target, limits.maxDocumentBytes)) {
      for (const ev of events) {
        if (ev.kind === 'root-field') {
          if (ev.key === 'startTime' && typeof ev.value === 'string') sessionStart = ev.value;
          // A legacy session's summary: written by the model, given to later sessions.
          else if (
            ev.key === 'summary' &&
            typeof ev.value === 'string' &&
            format !== 'har' &&
            format !== 'json'
          )
            out.add(
              { path: ['summary'], role: 'assistant', text: ev.value, key: 'summary' },
              ev.line,
              ASSISTANTS[format],
              sessionStart,
            );
          continue;
        }
        if (ev.kind === 'truncated') {
          out.warn(
            `${format === 'har' ? 'invalid HAR' : 'invalid JSON'}: the document ends early (truncated); entries before it were scanned`,
            ev.line,
          );
          out.batch.linesSkipped += 1;
          continue;
        }
        if (ev.kind === 'bad-element') {
          out.warn(`entry ${ev.index} skipped: ${ev.reason}`, ev.line);
          out.batch.linesSkipped += 1;
          continue;
        }
        sawElement = true;
        out.batch.records += 1;
        const path: JsonPath = [...prefix, ev.index];
        const lines = ev.text === undefined ? undefined : new ValueLines(ev.text, ev.line, path.length);
        if (format === 'har') {
          const pending: Leaf[] = [];
          const info = harEntryLeaves(ev.value, (leaf) => pending.push(leaf));
          for (const leaf of pending)
            out.add(
              { ...leaf, path: [...path, ...leaf.path] },
              ev.line,
              info.assistant,
              info.timestamp,
              lines,
            );
        } else if (format === 'json') {
          requestBodyLeaves(ev.value, (leaf) =>
            out.add({ ...leaf, path: [...path, ...leaf.path] }, ev.line, 'other', undefined, lines),
          );
        } else if (typeof ev.value === 'object' && ev.value !== null) {
          const rec = ev.value as Rec;
          const ts = timestampOf(rec) ?? sessionStart;
          const assistant = ASSISTANTS[format];
          const sink: LeafSink = (leaf) => out.add(leaf, ev.line, assistant, ts, lines);
          if ('messageId' in rec)
            geminiLeaves(rec, (leaf) => sink({ ...leaf, path: [...path, ...leaf.path] }));
          else geminiMessageLeaves(rec, path, sink);
        }
        if (out.full()) yield out.take();
      }
    }
  } catch (err) {
    yield out.take();
    throw err;
  }
  if (!sawElement && format === 'har') out.warn('HAR has no readable entries in log.entries');
  yield out.take();
}

async function* readDocument(chunks: AsyncIterable<Buffer>, context: ReadContext): AsyncGenerator<ReadBatch> {
  const { file, limits, keys } = context;
  const parts: Buffer[] = [];
  let size = 0;
  let overCap = false;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limits.maxDocumentBytes) {
      overCap = true;
      break;
    }
    // A chunk's buffer is refilled once the next one is read: keep a copy.
    parts.push(Buffer.from(chunk));
  }
  const out = new Batcher(file, keys);
  if (overCap) {
    out.warn(
      `JSON document over the ${limits.maxDocumentBytes}-byte cap; its first ${limits.maxDocumentBytes} bytes were scanned as text`,
    );
    out.batch.linesSkipped += 1;
    yield out.take();
    yield* readLines(toIterable(parts), 'text', context);
    return;
  }
  const text = Buffer.concat(parts, size).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    out.warn(`not valid JSON (${jsonErrorText(err)}); scanned as text`, 1);
    out.batch.linesAsText += 1;
    yield out.take();
    yield* readLines(toIterable(parts), 'text', context);
    return;
  }
  out.batch.records = 1;
  const lines = text.includes('\n') ? new ValueLines(text, 1) : undefined;
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc) && isQwenOpenAILog(doc as Rec)) {
    // Qwen Code's log of one API request (qwen-logs.ts), pretty-printed.
    out.batch.format = 'qwen-code';
    const ts = timestampOf(doc as Rec);
    qwenLogLeaves(doc as Rec, (leaf) => out.add(leaf, 1, ASSISTANTS['qwen-code'], ts, lines));
  } else {
    requestBodyLeaves(doc, (leaf) => out.add(leaf, 1, 'other', undefined, lines));
  }
  yield out.take();
}

/**
 * A database's `-wal` or `-shm` file: SQLite reads it with the database (the log's pages are
 * part of what a read sees); alone it is pages, not text.
 */
function isSqliteSideFile(file: string, head: Buffer): boolean {
  return /-(wal|shm)$/.test(file) && head.includes(0);
}

async function* toIterable(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

/**
 * @param keys which member names a value is scanned beside: keyContextFor the engine's rules
 * @param onRawBytes called with each chunk's size as read from disk (see openSource)
 */
export async function openFile(
  file: string,
  displayName: string,
  limits: ReadLimits,
  keys: KeyContext,
  onRawBytes?: (n: number) => void,
): Promise<OpenedFile> {
  const context: ReadContext = { file: displayName, limits, keys };
  const source = await openSource(file, onRawBytes);
  const fail = (reason: string): OpenedFile => {
    source.close();
    return { ok: false, reason };
  };
  // Told before any text decoding: a database's pages are full of NUL bytes, as UTF-16 is.
  if (isSqlite(source.head)) {
    // SQLite reads the file itself, by pages: not from a stream, nor inflated.
    if (source.gzip) return fail('gzip-compressed SQLite database (decompress it to scan it)');
    const counted = source.head.length;
    source.close();
    const db = await openDatabase(file, displayName, keys);
    if (!db.ok) return db;
    const batches = async function* (): AsyncGenerator<ReadBatch> {
      yield* db.batches;
      // The head was counted as it was read; the rest of the file once the database is read.
      const { size } = await stat(file);
      if (size > counted) onRawBytes?.(size - counted);
    };
    return { ok: true, format: 'codex-sqlite', batches: batches() };
  }
  if (isSqliteSideFile(file, source.head))
    return fail('SQLite write-ahead log or shared-memory file (read with its database)');
  const utf16 = utf16Of(source.head);
  let head = utf16 ? utf16HeadAsUtf8(source.head, utf16) : source.head;
  let chunks = utf16 ? utf16AsUtf8(source.chunks, utf16) : source.chunks;
  if (startsWithUtf8Bom(head)) {
    head = head.subarray(3);
    chunks = withoutUtf8Bom(chunks);
  }
  const sniffed = sniff(head, source.complete, file);
  switch (sniffed.kind) {
    case 'binary':
      return fail('binary file');
    case 'empty':
      return { ok: true, format: 'text', batches: readLines(chunks, 'text', context) };
    case 'har':
      return {
        ok: true,
        format: 'har',
        batches: readElements(chunks, 'har', ['log', 'entries'], context),
      };
    case 'session-document':
      return {
        ok: true,
        format: sniffed.format,
        batches: readElements(chunks, sniffed.format, sniffed.target, context),
      };
    case 'json':
      return { ok: true, format: 'json', batches: readDocument(chunks, context) };
    case 'json-array':
      return {
        ok: true,
        format: 'json',
        batches: readElements(chunks, 'json', [], context),
      };
    case 'lines': {
      // A first line longer than the head may be a whole document on one line: allowed as long
      // as a document, and the first record says whose file it is.
      const long = sniffed.longFirstLine === true;
      const lineContext = long
        ? {
            ...context,
            limits: { ...limits, maxLineBytes: Math.max(limits.maxLineBytes, limits.maxDocumentBytes) },
          }
        : context;
      return {
        ok: true,
        format: sniffed.format,
        batches: readLines(chunks, sniffed.format, lineContext, long ? file : undefined),
      };
    }
  }
}
