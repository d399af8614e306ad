/**
 * A bounded LRU keyed by a text itself. The system prompt, tool definitions and the earlier
 * turns of a conversation come back byte for byte on every request; what a detector derives
 * from such a text alone can be kept. Keying by the text (not a digest of it) makes a collision
 * impossible. Lookups go by length first, then compare contents: a Map keyed by the string
 * would hash every new string character by character, which costs about as much as scanning it,
 * while comparing two flat strings is a memory compare and stops at the first difference.
 * Bounded by entries and by the characters kept alive; least recently used first out.
 */
interface Entry<V> {
  text: string;
  value: V;
  /** Neighbours in recency order (older, newer): moving an entry on a hit hashes nothing. */
  older: Entry<V> | undefined;
  newer: Entry<V> | undefined;
}

export class TextCache<V> {
  private readonly byLength = new Map<number, Entry<V>[]>();
  /** Least and most recently used entries; a hit moves its entry to `newest`. */
  private oldest: Entry<V> | undefined;
  private newest: Entry<V> | undefined;
  private count = 0;
  private chars = 0;

  /** `maxEntries` 0 turns the cache off. Texts over a quarter of `maxChars` are not kept. */
  constructor(
    private readonly maxEntries = 512,
    private readonly maxChars = 8_000_000,
  ) {}

  private find(text: string): Entry<V> | undefined {
    const bucket = this.byLength.get(text.length);
    if (bucket === undefined) return undefined;
    for (const entry of bucket) if (entry.text === text) return entry;
    return undefined;
  }

  private unlink(entry: Entry<V>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }

  private append(entry: Entry<V>): void {
    entry.older = this.newest;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private touch(entry: Entry<V>): void {
    if (entry === this.newest) return;
    this.unlink(entry);
    this.append(entry);
  }

  get(text: string): V | undefined {
    const entry = this.find(text);
    if (entry === undefined) return undefined;
    this.touch(entry);
    return entry.value;
  }

  set(text: string, value: V): void {
    if (this.maxEntries === 0 || text.length > this.maxChars / 4) return;
    const known = this.find(text);
    if (known !== undefined) {
      known.value = value;
      this.touch(known);
      return;
    }
    const entry: Entry<V> = { text, value, older: undefined, newer: undefined };
    let bucket = this.byLength.get(text.length);
    if (bucket === undefined) this.byLength.set(text.length, (bucket = []));
    bucket.push(entry);
    this.append(entry);
    this.count++;
    this.chars += text.length;
    while (this.count > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.oldest!;
      this.unlink(oldest);
      this.count--;
      this.chars -= oldest.text.length;
      const list = this.byLength.get(oldest.text.length)!;
      list.splice(list.indexOf(oldest), 1);
      if (list.length === 0) this.byLength.delete(oldest.text.length);
    }
  }

  get size(): number {
    return this.count;
  }
}
