/**
 * Small readers of JSON text as bytes, for code that walks a body it knows is valid JSON (the
 * byte-level parser of request bodies and the splice of edited strings into them).
 */

/** Whether a byte is JSON whitespace (space, LF, CR, tab); false past the end. */
export function isJsonSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Index of the closing quote of the string whose content starts at `i`, or -1 (valid JSON
 * assumed: the quote is the first one preceded by an even number of backslashes).
 */
export function closingQuote(b: Buffer, i: number): number {
  for (;;) {
    const q = b.indexOf(0x22, i);
    if (q < 0) return -1;
    let k = q - 1;
    while (b[k] === 0x5c) k--;
    if (((q - 1 - k) & 1) === 0) return q;
    i = q + 1;
  }
}
