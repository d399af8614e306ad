/**
 * Batches of located texts for the engine, filled by the readers: large enough to amortise
 * each engine call, small enough to keep memory bounded; warnings and counts travel with them.
 */
import type { Assistant, InputFormat, LocatedInput, ScanWarning } from '../types.js';
import { withKey, type KeyContext } from './key-context.js';
import type { ValueLines } from './value-lines.js';
import type { Leaf } from './walk.js';

export interface ReadBatch {
  inputs: LocatedInput[];
  warnings: ScanWarning[];
  linesSkipped: number;
  /** Lines (or whole documents) that were not valid JSON and were scanned as plain text. */
  linesAsText: number;
  records: number;
  /** Set once reading found the file's format to be another than the one it was opened as. */
  format?: InputFormat;
}

/**
 * Roughly how much text goes to the engine at once: enough to amortise each engine call, and
 * small enough that a batch is scanned and dropped before the young generation is collected
 * with it alive. At 512 KB a batch of HAR leaves kept several MB of parsed entries alive across
 * scavenges, promoted to the old generation (HAR files alone, one thread: 65 MB promoted for
 * 52 MB of input; 12 MB at 64 KB). Measured, alternated runs, median CPU s (peak RSS MB), 512 KB
 * -> 128 KB: 210 MB in 100 files, one thread 2.33 -> 2.18 (186 -> 142), main thread + worker
 * 2.95 -> 2.85 (207 -> 181); 600 MB in 8 files, two capped workers 6.2 -> 5.5 (234 -> 228).
 * 32-256 KB measured alike.
 */
const BATCH_TEXT = 128 * 1024;

export class Batcher {
  batch: ReadBatch = { inputs: [], warnings: [], linesSkipped: 0, linesAsText: 0, records: 0 };
  private text = 0;
  /** @param keys which member names a value is scanned beside (Leaf.key) */
  constructor(
    readonly file: string,
    private readonly keys: KeyContext,
  ) {}
  add(
    leaf: Leaf,
    line: number,
    assistant: Assistant,
    timestamp: string | undefined,
    lines?: ValueLines,
  ): void {
    const text =
      leaf.key !== undefined && this.keys.wants(leaf.key) ? withKey(leaf.key, leaf.text) : leaf.text;
    const input: LocatedInput = { path: leaf.path, role: leaf.role, text, line, assistant };
    if (lines !== undefined) input.lines = lines;
    if (leaf.header !== undefined) input.header = leaf.header;
    if (timestamp !== undefined) input.timestamp = timestamp;
    this.batch.inputs.push(input);
    this.text += text.length;
  }
  warn(message: string, line?: number): void {
    this.batch.warnings.push(
      line === undefined ? { file: this.file, message } : { file: this.file, line, message },
    );
  }
  full(): boolean {
    return this.text >= BATCH_TEXT || this.batch.inputs.length >= 4096;
  }
  take(): ReadBatch {
    const out = this.batch;
    this.batch = { inputs: [], warnings: [], linesSkipped: 0, linesAsText: 0, records: 0 };
    this.text = 0;
    return out;
  }
}

/** The record's time: `timestamp` in the assistants' transcripts, `ts`/`time` in audit events. */
export function timestampOf(rec: Record<string, unknown>): string | undefined {
  for (const key of ['timestamp', 'ts', 'time']) {
    const v = rec[key];
    if (typeof v === 'string') return v;
  }
  return undefined;
}
