/**
 * A one-line progress bar for terminals: files, bytes, findings and rate, on stderr through a
 * StatusLine (at most ten redraws a second; silent when stderr is not a TTY, so CI logs stay clean).
 */
import { StatusLine, type StatusSink } from '../status-line.js';

export type ProgressSink = StatusSink;

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

export class Progress {
  private files = 0;
  private bytes = 0;
  private findings = 0;
  private readonly started = Date.now();
  private readonly status: StatusLine;
  /** Made once: show() is called for every chunk read. */
  private readonly text = (): string => this.line();

  constructor(
    sink: ProgressSink | undefined,
    private readonly totalFiles: number,
    private readonly totalBytes: number,
  ) {
    this.status = new StatusLine(sink);
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.status.show(this.text);
  }

  fileDone(findings: number): void {
    this.files += 1;
    this.findings += findings;
    this.status.show(this.text);
  }

  line(): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const share = this.totalBytes > 0 ? Math.min(this.bytes / this.totalBytes, 1) : 0;
    const width = 12;
    const filled = Math.round(share * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    // Short enough for an 80-column terminal with a 5-digit file count.
    return `${bar} ${this.files}/${this.totalFiles} files, ${formatBytes(this.bytes)}/${formatBytes(this.totalBytes)}, ${this.findings} findings, ${formatBytes(this.bytes / seconds)}/s`;
  }

  finish(): void {
    this.status.clear();
  }
}
