/**
 * The files a scan's threads take from, grouped by kind (the name's extension: .har, .jsonl,
 * .json ...). Each taker keeps to one kind while it has files, largest first, and takes another
 * only when its own runs out; at the start the takers spread over the kinds with the most
 * bytes. A thread that reads only one kind JIT-compiles only that kind's reader code, and its
 * functions are not deoptimised and compiled again when the next format arrives: on 2 cores,
 * 210 MB of mixed transcripts and HAR captures in two single-thread processes took 3.6-4.2
 * CPU-s split by kind against 4.2-5.1 split file by file (four alternated rounds). With one
 * kind it is the pool's old queue: largest first.
 */
import path from 'node:path';
import type { FoundFile } from './files.js';

export interface QueuedFile {
  file: FoundFile;
  /** The file's place in the scan's list (the pool's results are keyed by it). */
  id: number;
}

/**
 * A file of a kind no taker holds is taken before the taker's own kind's largest when it is
 * this many times larger: a large file of a third kind must not wait for the end of the scan,
 * where it would be the last to finish (largest first exists for that), while files of about
 * the same size stay with their kind.
 */
const OUTLIER = 2;

interface Kind {
  files: QueuedFile[];
  bytes: number;
  /** Takers keeping to this kind. */
  holders: number;
}

/** The kind of a file for grouping: its extension, lower-cased, without a compression suffix. */
export function kindOf(name: string): string {
  const base = path.basename(name).toLowerCase().replace(/\.gz$/, '');
  return path.extname(base);
}

export class FileQueue {
  private readonly kinds = new Map<string, Kind>();
  private count = 0;

  constructor(files: readonly FoundFile[]) {
    const sorted = files.map((file, id) => ({ file, id })).sort((a, b) => b.file.size - a.file.size);
    for (const item of sorted) this.kindFor(item).files.push(item);
    for (const kind of this.kinds.values()) kind.bytes = kind.files.reduce((n, q) => n + q.file.size, 0);
    this.count = sorted.length;
  }

  get size(): number {
    return this.count;
  }

  /** A taker: next() gives its next file, undefined when none is left. */
  taker(): { next(): QueuedFile | undefined; release(): void } {
    let held: Kind | undefined;
    const release = (): void => {
      if (held) held.holders -= 1;
      held = undefined;
    };
    return {
      next: () => {
        if (held && held.files.length === 0) release();
        if (!held) {
          held = this.pick();
          if (!held) return undefined;
          held.holders += 1;
        }
        return this.shift(this.outlier(held) ?? held);
      },
      /** For a taker that stops early (its worker died): its kind is free for the others. */
      release,
    };
  }

  /** Files taken and not scanned (their worker stopped) go back to the front of their kind. */
  putBack(items: readonly QueuedFile[]): void {
    for (const item of [...items].reverse()) {
      const kind = this.kindFor(item);
      kind.files.unshift(item);
      kind.bytes += item.file.size;
      this.count += 1;
    }
  }

  private kindFor(item: QueuedFile): Kind {
    const key = kindOf(item.file.path);
    let kind = this.kinds.get(key);
    if (!kind) this.kinds.set(key, (kind = { files: [], bytes: 0, holders: 0 }));
    return kind;
  }

  private shift(kind: Kind): QueuedFile {
    const item = kind.files.shift()!;
    kind.bytes -= item.file.size;
    this.count -= 1;
    return item;
  }

  /** The kind to keep to next: one nobody holds (the most bytes), else the most bytes per taker. */
  private pick(): Kind | undefined {
    let best: Kind | undefined;
    for (const kind of this.kinds.values()) {
      if (kind.files.length === 0) continue;
      if (!best) best = kind;
      else if ((kind.holders === 0) !== (best.holders === 0)) {
        if (kind.holders === 0) best = kind;
      } else if (kind.bytes / (kind.holders + 1) > best.bytes / (best.holders + 1)) best = kind;
    }
    return best;
  }

  /** An unheld kind whose largest file is OUTLIER times the held kind's largest, if any. */
  private outlier(held: Kind): Kind | undefined {
    const own = held.files[0]!.file.size;
    let best: Kind | undefined;
    for (const kind of this.kinds.values()) {
      const first = kind.files[0];
      if (kind.holders > 0 || !first || first.file.size < OUTLIER * own) continue;
      if (!best || first.file.size > best.files[0]!.file.size) best = kind;
    }
    return best;
  }
}
