/**
 * Recognises a file by its content, not its name: the head of the (decompressed) bytes says
 * whether it is binary, a HAR capture, a JSON document, JSONL (and whose), or text. Names only
 * break ties the content cannot (a legacy Gemini-shaped session under `.qwen/` is Qwen's).
 */
import type { InputFormat } from '../types.js';
import { isAuditRecord } from './audit.js';
import { isClaudeCodeRecord } from './claude-code.js';
import { isCodexRecord } from './codex.js';
import { isGeminiRecord, isQwenRecord } from './gemini.js';
import { isQwenLogRecord } from './qwen-logs.js';
import { decodeUtf8 } from './decode.js';

export type Sniffed =
  | { kind: 'binary' }
  | { kind: 'empty' }
  | { kind: 'har' }
  /** One JSON document whose array `target` holds the records (legacy Gemini/Qwen sessions). */
  | { kind: 'session-document'; format: 'gemini-cli' | 'qwen-code'; target: string[] }
  | { kind: 'json' }
  /** A JSON document whose root is an array too large to read whole. */
  | { kind: 'json-array' }
  /**
   * Line by line. `longFirstLine`: the first line is longer than the head, so its format (an
   * assistant's transcript, or JSONL) is known only once it is read.
   */
  | { kind: 'lines'; format: InputFormat; longFirstLine?: boolean };

/** Recognises one JSONL record; undefined when it is no known assistant's. */
export function classifyRecord(rec: Record<string, unknown>, file: string): InputFormat | undefined {
  if (isCodexRecord(rec)) return 'codex';
  if (isQwenRecord(rec)) return 'qwen-code';
  if (isQwenLogRecord(rec)) return 'qwen-code';
  if (isClaudeCodeRecord(rec)) return 'claude-code';
  if (isGeminiRecord(rec)) return isQwenPath(file) ? 'qwen-code' : 'gemini-cli';
  if (isAuditRecord(rec)) return 'airlock-audit';
  return undefined;
}

const isQwenPath = (file: string): boolean => /(^|[\\/])\.qwen[\\/]/.test(file);

function looksBinary(head: Buffer): boolean {
  const probe = head.subarray(0, 8192);
  return probe.includes(0);
}

/** Bytes decoded for a first look: enough for the first line of nearly every transcript. */
const QUICK_BYTES = 64 * 1024;

/** `head`: the first bytes as UTF-8, without a byte order mark (openFile takes care of both). */
export function sniff(head: Buffer, complete: boolean, file: string): Sniffed {
  if (head.length === 0) return { kind: 'empty' };
  if (looksBinary(head)) return { kind: 'binary' };
  // The head is a whole first chunk (up to 1 MiB); decoding all of it cost as much as scanning
  // it. Most files are told apart by their start and first line: look at the first 64 KiB, and
  // decode the whole head only when that does not decide.
  if (head.length > QUICK_BYTES) {
    const quick = sniffText(decodeUtf8(head, 0, QUICK_BYTES), false, file, true);
    if (quick) return quick;
  }
  return sniffText(decodeUtf8(head), complete, file, false)!;
}

/** With `quick` (a cut head), undefined whenever more of the head could change the answer. */
function sniffText(raw: string, complete: boolean, file: string, quick: boolean): Sniffed | undefined {
  const trimmed = raw.trimStart();
  if (quick && trimmed.length < 1024) return undefined;
  if (/^\{\s*"log"\s*:\s*\{/.test(trimmed)) return { kind: 'har' };
  if (trimmed.startsWith('[') && /^\[\s*\{\s*"sessionId"\s*:/.test(trimmed)) {
    if (/"messageId"\s*:/.test(trimmed))
      return { kind: 'session-document', format: isQwenPath(file) ? 'qwen-code' : 'gemini-cli', target: [] };
    if (quick) return undefined;
  }
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return { kind: 'lines', format: 'text' };

  const lines = trimmed.split('\n');
  // The last line of an incomplete head may be cut; only whole lines are judged.
  const whole = complete ? lines : lines.slice(0, -1);
  // Each line is classified as soon as it is parsed: the first known record decides, so a
  // transcript costs one parsed line here, not the 50 lines (up to a whole chunk) ahead of it.
  const records: Record<string, unknown>[] = [];
  for (const line of whole.slice(0, 50)) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch {
      break;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const rec = value as Record<string, unknown>;
      const format = classifyRecord(rec, file);
      if (format) return { kind: 'lines', format };
      records.push(rec);
    } else records.push({});
  }
  if (quick) return undefined;
  if (records.length === 0) {
    // No line parsed: a pretty-printed document, one long first line, or text that only starts
    // like JSON (a log's `[INFO] ...`), which is read as the text it is.
    const first = whole.find((line) => line.trim() !== '') ?? trimmed;
    if (!beginsJson(first)) return { kind: 'lines', format: 'text' };
    if (whole.length === 0 && trimmed.startsWith('{')) {
      // The first line does not end in the head: a JSONL file whose first record is large (a
      // pasted image), or one document on one line. Both read as lines, whose first record says
      // which; a long line is then allowed up to the document cap.
      return { kind: 'lines', format: 'jsonl', longFirstLine: true };
    }
    if (/^\{\s*"sessionId"\s*:/.test(trimmed) && /"messages"\s*:\s*\[/.test(trimmed)) {
      return {
        kind: 'session-document',
        format: isQwenPath(file) ? 'qwen-code' : 'gemini-cli',
        target: ['messages'],
      };
    }
    // A large array document (an export of request bodies): element by element, like a HAR.
    if (trimmed.startsWith('[') && !complete) return { kind: 'json-array' };
    return { kind: 'json' };
  }
  const nonEmptyLines = whole.filter((l) => l.trim() !== '').length;
  if (complete && nonEmptyLines === 1) {
    const only = records[0]!;
    if (Array.isArray(only.messages) && typeof only.sessionId === 'string') {
      return {
        kind: 'session-document',
        format: isQwenPath(file) ? 'qwen-code' : 'gemini-cli',
        target: ['messages'],
      };
    }
    return { kind: 'json' };
  }
  return { kind: 'lines', format: 'jsonl' };
}

/**
 * Whether `text` is a JSON text or the start of one: JSON.parse fails only for want of what
 * follows (at the end of the input), not on a character that no JSON text could have there.
 */
function beginsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    if (message === 'Unexpected end of JSON input') return true;
    const at = / at position (\d+)$/.exec(message);
    return at !== null && Number(at[1]) >= text.trimEnd().length;
  }
}
