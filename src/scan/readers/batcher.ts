/**
 * Batches of located texts for the engine, filled by the readers: large enough to amortise
 * each engine call, small enough to keep memory bounded; warnings and counts travel with them.
 */
import type { Assistant, LocatedInput, ScanWarning } from '../types.js';
import type { Leaf } from './walk.js';

export interface ReadBatch {
  inputs: LocatedInput[];
  warnings: ScanWarning[];
  linesSkipped: number;
  records: number;
}

/** Roughly how much text goes to the engine at once: large enough to amortise each call. */
const BATCH_TEXT = 512 * 1024;

export class Batcher {
  batch: ReadBatch = { inputs: [], warnings: [], linesSkipped: 0, records: 0 };
  private text = 0;
  constructor(readonly file: string) {}
  add(leaf: Leaf, line: number, assistant: Assistant, timestamp: string | undefined): void {
    const input: LocatedInput = { path: leaf.path, role: leaf.role, text: leaf.text, line, assistant };
    if (leaf.header !== undefined) input.header = leaf.header;
    if (timestamp !== undefined) input.timestamp = timestamp;
    this.batch.inputs.push(input);
    this.text += leaf.text.length;
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
    this.batch = { inputs: [], warnings: [], linesSkipped: 0, records: 0 };
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
