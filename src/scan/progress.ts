/**
 * A one-line progress bar for terminals: files, bytes, findings and rate, redrawn at most ten
 * times a second on stderr. Silent when stderr is not a TTY (CI logs stay clean).
 */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

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
  private lastDraw = 0;
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink | undefined,
    private readonly totalFiles: number,
    private readonly totalBytes: number,
  ) {}

  get enabled(): boolean {
    return this.sink?.isTTY === true;
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.draw(false);
  }

  fileDone(findings: number): void {
    this.files += 1;
    this.findings += findings;
    this.draw(false);
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

  private draw(force: boolean): void {
    if (!this.enabled || !this.sink) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const cols = this.sink.columns ?? 100;
    this.sink.write(`\r\x1b[2K${this.line().slice(0, cols - 1)}`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn && this.sink) this.sink.write('\r\x1b[2K');
  }
}
