/**
 * Decoder for PostgreSQL's binary COPY format (`COPY (...) TO STDOUT (FORMAT binary)`), the way
 * `audit verify` reads a whole chain: one statement over one snapshot, streamed without a round
 * trip per page, and each field a length and its bytes, with none of the text format's escapes
 * to undo. Only the column types the audit store streams are decoded: int8, text, and text kept
 * as its UTF-8 bytes (`bytes`: a view into the chunk that brought it, for a caller that writes
 * the bytes out as they are).
 * Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */

export type CopyColumn = 'int8' | 'text' | 'bytes';
export type CopyValue = number | string | Buffer | null;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32), header extension length (int32). */
const HEADER_BYTES = SIGNATURE.length + 8;
const TRAILER = -1;

export class BinaryCopyError extends Error {
  override readonly name = 'BinaryCopyError';
}

export class BinaryCopyDecoder {
  /** Chunks holding a tuple (or the header) cut off by the end of what had arrived. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the cut-off tuple needs at least, so a large one is joined once, not per chunk. */
  private needed = 0;
  private headerRead = false;
  private ended = false;

  constructor(private readonly columns: readonly CopyColumn[]) {}

  /** Decodes every whole tuple of what has arrived; keeps a cut-off tuple for the next chunk. */
  push(chunk: Buffer): CopyValue[][] {
    const rows: CopyValue[][] = [];
    if (this.ended) {
      if (chunk.length) throw new BinaryCopyError('binary COPY data after its trailer');
      return rows;
    }
    let buf = chunk;
    if (this.pending.length) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.needed) return rows;
      // Only a cut-off tuple is joined with what follows it.
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let pos = 0;
    if (!this.headerRead) {
      const end = headerEnd(buf);
      if (end < 0) {
        this.keep(buf, -end);
        return rows;
      }
      this.headerRead = true;
      pos = end;
    }
    while (pos + 2 <= buf.length) {
      const fields = buf.readInt16BE(pos);
      if (fields === TRAILER) {
        this.ended = true;
        if (pos + 2 !== buf.length) throw new BinaryCopyError('binary COPY data after its trailer');
        return rows;
      }
      if (fields !== this.columns.length) {
        throw new BinaryCopyError(`binary COPY tuple has ${fields} fields, expected ${this.columns.length}`);
      }
      const end = tupleEnd(buf, pos + 2, fields);
      if (end < 0) {
        this.keep(buf.subarray(pos), -end - pos);
        return rows;
      }
      rows.push(this.decodeTuple(buf, pos + 2));
      pos = end;
    }
    if (pos < buf.length) this.keep(buf.subarray(pos), 2);
    return rows;
  }

  private keep(rest: Buffer, needed: number): void {
    this.pending = [rest];
    this.pendingBytes = rest.length;
    this.needed = needed;
  }

  /** Throws unless the stream ended with its trailer. */
  finish(): void {
    if (!this.ended) throw new BinaryCopyError('binary COPY data ended before its trailer');
  }

  private decodeTuple(buf: Buffer, start: number): CopyValue[] {
    const values: CopyValue[] = new Array<CopyValue>(this.columns.length);
    let pos = start;
    for (let i = 0; i < this.columns.length; i++) {
      const length = buf.readInt32BE(pos);
      pos += 4;
      if (length < 0) {
        values[i] = null;
        continue;
      }
      if (this.columns[i] === 'int8') {
        if (length !== 8) throw new BinaryCopyError(`binary COPY int8 field of ${length} bytes`);
        // Exact below 2^53, which row numbers, sequence numbers and millisecond times stay under.
        values[i] = buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
      } else if (this.columns[i] === 'bytes') {
        values[i] = buf.subarray(pos, pos + length);
      } else {
        values[i] = buf.toString('utf8', pos, pos + length);
      }
      pos += length;
    }
    return values;
  }
}

/** Where the header ends, or minus the bytes it needs at least when it is cut off. */
function headerEnd(buf: Buffer): number {
  if (buf.length < HEADER_BYTES) return -HEADER_BYTES;
  if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new BinaryCopyError('not binary COPY data: the signature is missing');
  }
  if (buf.readUInt32BE(SIGNATURE.length) & 0x1_0000) {
    throw new BinaryCopyError('binary COPY data with OIDs is not supported');
  }
  const end = HEADER_BYTES + buf.readUInt32BE(SIGNATURE.length + 4);
  return end <= buf.length ? end : -end;
}

/**
 * Where a tuple whose fields start at `pos` ends, or, when the buffer cuts it off, minus the
 * offset up to which the buffer must reach at least (the next field's length or its bytes).
 */
function tupleEnd(buf: Buffer, pos: number, fields: number): number {
  for (let i = 0; i < fields; i++) {
    if (pos + 4 > buf.length) return -(pos + 4);
    pos += 4 + Math.max(buf.readInt32BE(pos), 0);
    if (pos > buf.length) return -pos;
  }
  return pos;
}
