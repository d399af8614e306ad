/**
 * Private key blocks in plain text. A text file is scanned line by line, and a PEM or OpenSSH
 * private key spans lines (a BEGIN line, base64 lines, an END line): no single line holds enough
 * of it for the private-key rule, so such a key file, or a key pasted into a log, went unseen.
 * The lines of each block are therefore also joined and handed over as one text, located at its
 * BEGIN line.
 */

const BEGIN = /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const END = /-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----/;

/**
 * Lines kept per block: a 4096-bit RSA key in PEM is about 50 lines, a PGP private key block a
 * few hundred; a BEGIN line never followed by its END is joined up to here and no further.
 */
const MAX_LINES = 512;

export interface KeyBlock {
  /** Line number of the BEGIN line. */
  line: number;
  text: string;
}

export class KeyBlockJoiner {
  private lines: string[] = [];
  private start = 0;

  /** Takes the next line; returns a block when this line completes one. */
  push(text: string, lineNumber: number): KeyBlock | undefined {
    if (this.lines.length > 0) {
      this.lines.push(text);
      if (END.test(text) || this.lines.length >= MAX_LINES) return this.take();
      return undefined;
    }
    // One `includes` per line of text: the expression only runs on a line that may begin a block.
    // A block that ends on its own BEGIN line is already whole in that line's own scan.
    if (text.includes('-----BEGIN') && BEGIN.test(text) && !END.test(text)) {
      this.lines.push(text);
      this.start = lineNumber;
    }
    return undefined;
  }

  /** A block still open at the end of the file (its END line missing). */
  end(): KeyBlock | undefined {
    return this.lines.length > 1 ? this.take() : undefined;
  }

  private take(): KeyBlock {
    const block = { line: this.start, text: this.lines.join('\n') };
    this.lines = [];
    return block;
  }
}
