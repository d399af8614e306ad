/**
 * A Map for memos of pure functions (keyed hashes, previews, compiled statements, decisions)
 * that never holds more than `max` entries. Adding to a full one empties it first (`'all'`: no
 * bookkeeping on a hit, and a memo that fills up holds the values of a past workload anyway), or
 * drops its oldest entry (`'oldest'`: for small memos of costly values, such as a surrogate
 * matcher per conversation). Reading and replacing an entry work as in any Map.
 */
export class BoundedMemo<K, V> extends Map<K, V> {
  constructor(
    readonly max: number,
    readonly evict: 'all' | 'oldest' = 'all',
  ) {
    super();
    if (!(max >= 1)) throw new RangeError(`a bounded memo needs room for an entry, not ${max}`);
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) {
      if (this.evict === 'all') this.clear();
      else this.delete(this.keys().next().value as K);
    }
    return super.set(key, value);
  }
}
