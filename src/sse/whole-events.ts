/**
 * An SSE answer relayed as its bytes (nothing in it to restore), cut at event boundaries: what
 * follows the last blank line of what arrived is held until its event is complete. A client
 * cannot use part of an event anyway (it dispatches an event at its blank line, and drops one a
 * stream ends in the middle of); but once part of one has gone out, an error event the gateway
 * writes after a break (an upstream that stalled past timeouts.idle_ms, or broke off) lands
 * inside it: `data: {"type":"content_block_delevent: error` — the SDK then fails to parse the
 * event instead of reporting the error. Held, the part is dropped at a break, as the client
 * would drop it, and the error event arrives whole.
 *
 * Bounded: an event that grows past `max` is let through as it comes (it can no longer be held
 * back whole). The bytes that go out are those that came, in order; only their timing changes.
 */

const LF = 0x0a;
const CR = 0x0d;

export class WholeEvents {
  private held: Buffer[] = [];
  private heldSize = 0;
  /** The last two bytes before the next chunk (a blank line may straddle two chunks). */
  private before1 = -1;
  private before2 = -1;
  /** The current event grew past `max`: it goes through as it comes, up to its end. */
  private through = false;

  constructor(private readonly max: number) {}

  /** What of `chunk` (and of what was held) can go now: complete events. */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const end = this.lastEventEnd(chunk);
    this.before2 = chunk.length > 1 ? chunk[chunk.length - 2]! : this.before1;
    this.before1 = chunk[chunk.length - 1]!;
    if (end === chunk.length && this.heldSize === 0) {
      this.through = false;
      return chunk;
    }
    if (end < 0) {
      if (this.through) return chunk;
      this.hold(chunk);
      if (this.heldSize <= this.max) return Buffer.alloc(0);
      this.through = true;
      return this.release();
    }
    const out = this.through ? chunk.subarray(0, end) : Buffer.concat([...this.held, chunk.subarray(0, end)]);
    this.held = [];
    this.heldSize = 0;
    this.through = false;
    if (end < chunk.length) this.hold(chunk.subarray(end));
    return out;
  }

  /** The part of an event still held (the answer ended without its blank line): as it came. */
  release(): Buffer {
    const out = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldSize);
    this.held = [];
    this.heldSize = 0;
    return out;
  }

  private hold(bytes: Buffer): void {
    this.held.push(bytes);
    this.heldSize += bytes.length;
  }

  /** Index in `chunk` just past the last blank line (SSE's \n, \r\n or \r line ends); -1 if none. */
  private lastEventEnd(chunk: Buffer): number {
    const at = (k: number): number => (k >= 0 ? chunk[k]! : k === -1 ? this.before1 : this.before2);
    for (let i = chunk.length - 1; i >= 0; i--) {
      const c = chunk[i]!;
      if (c === LF) {
        const p = at(i - 1);
        if (p === LF) return i + 1;
        if (p === CR) {
          const pp = at(i - 2);
          if (pp === LF || pp === CR) return i + 1;
        }
      } else if (c === CR && (i + 1 === chunk.length || chunk[i + 1] !== LF)) {
        // A lone CR ends a line (one at the chunk's end may be the start of a CRLF: then the LF
        // that follows is an empty line of its own, which dispatches nothing).
        const p = at(i - 1);
        if (p === CR || p === LF) return i + 1;
      }
    }
    return -1;
  }
}
