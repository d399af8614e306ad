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

export type Sniffed =
  | { kind: 'binary' }
  | { kind: 'empty' }
  | { kind: 'har' }
  /** One JSON document whose array `target` holds the records (legacy Gemini/Qwen sessions). */
  | { kind: 'session-document'; format: 'gemini-cli' | 'qwen-code'; target: string[] }
  | { kind: 'json' }
  /** A JSON document whose root is an array too large to read whole. */
  | { kind: 'json-array' }
  | { kind: 'lines'; format: InputFormat };

/** Recognises one JSONL record; undefined when it is no known assistant's. */
export function classifyRecord(rec: Record<string, unknown>, file: string): InputFormat | undefined {
  if (isCodexRecord(rec)) return 'codex';
  if (isQwenRecord(rec)) return 'qwen-code';
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

export function sniff(head: Buffer, complete: boolean, file: string): Sniffed {
  if (head.length === 0) return { kind: 'empty' };
  if (looksBinary(head)) return { kind: 'binary' };
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (/^\{\s*"log"\s*:\s*\{/.test(trimmed)) return { kind: 'har' };
  if (
    trimmed.startsWith('[') &&
    /^\[\s*\{\s*"sessionId"\s*:/.test(trimmed) &&
    /"messageId"\s*:/.test(trimmed)
  ) {
    return { kind: 'session-document', format: isQwenPath(file) ? 'qwen-code' : 'gemini-cli', target: [] };
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
  if (records.length === 0) {
    // A pretty-printed document (its first line alone is not JSON), or one long first line.
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
