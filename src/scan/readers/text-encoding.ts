/**
 * What the readers undo in the bytes before anything reads them, once, for every format.
 *
 * UTF-16 text (Windows PowerShell 5 writes it with `>` and `Out-File`, and some editors save in
 * it): its ASCII characters have a NUL byte each, so it looked binary and was skipped, secrets
 * and all. It is told by its byte order mark, or without one by where the NUL bytes are, and
 * read as the UTF-8 the readers expect.
 *
 * A UTF-8 byte order mark (editors on Windows write one): not part of the content, it made the
 * first JSONL record "not valid JSON".
 */

export type Utf16 = 'utf-16le' | 'utf-16be';

/** Bytes looked at when there is no byte order mark. */
const PROBE_BYTES = 4096;

/** The UTF-16 form of text whose content starts with `head`, or undefined when it is not UTF-16. */
export function utf16Of(head: Buffer): Utf16 | undefined {
  if (head.length >= 2) {
    if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
    if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  }
  // Without a mark: text that is mostly ASCII has a NUL in every other byte, on one side only.
  // Binary data has NULs on both sides, UTF-8 text none.
  const pairs = Math.floor(Math.min(head.length, PROBE_BYTES) / 2);
  if (pairs < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenNul++;
    if (head[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul >= pairs * 0.7 && evenNul <= pairs * 0.02) return 'utf-16le';
  if (evenNul >= pairs * 0.7 && oddNul <= pairs * 0.02) return 'utf-16be';
  return undefined;
}

/** The head as UTF-8, for sniffing (a character cut at its end is dropped). */
export function utf16HeadAsUtf8(head: Buffer, form: Utf16): Buffer {
  return Buffer.from(new TextDecoder(form).decode(head.subarray(0, head.length & ~1)), 'utf8');
}

/** The chunks as UTF-8; a character split between chunks is decoded whole. */
export async function* utf16AsUtf8(chunks: AsyncIterable<Buffer>, form: Utf16): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(form);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function startsWithUtf8Bom(head: Buffer): boolean {
  return head.subarray(0, 3).equals(UTF8_BOM);
}

/** The chunks without the UTF-8 byte order mark their first bytes hold. */
export async function* withoutUtf8Bom(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of chunks) {
    if (first && chunk.length > 0) {
      first = false;
      if (startsWithUtf8Bom(chunk)) {
        if (chunk.length > 3) yield chunk.subarray(3);
        continue;
      }
    }
    yield chunk;
  }
}
