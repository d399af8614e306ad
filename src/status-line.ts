/**
 * One line of progress redrawn in place on a terminal (carriage return, erase the line): at most
 * ten times a second, cut to the terminal's width, erased by clear(). Nothing at all when the
 * sink is not a terminal, so logs and pipes stay clean. `airlock scan`'s bar and `airlock
 * audit`'s counts draw through it.
 */
export interface StatusSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export class StatusLine {
  private drawnAt = -Infinity;
  private drawn = false;

  constructor(
    private readonly sink: StatusSink | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.sink?.isTTY === true;
  }

  /** Redraws the line unless it was drawn under 100 ms ago; `text` is built only when it is. */
  show(text: () => string): void {
    if (!this.sink || !this.enabled) return;
    const now = this.clock();
    if (now - this.drawnAt < 100) return;
    this.drawnAt = now;
    this.drawn = true;
    this.sink.write(`\r\x1b[2K${text().slice(0, (this.sink.columns ?? 100) - 1)}`);
  }

  /** Erases the line, if it was ever drawn. */
  clear(): void {
    if (this.drawn) this.sink?.write('\r\x1b[2K');
  }
}
