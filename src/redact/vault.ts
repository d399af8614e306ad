/**
 * The vault: which surrogate stands for which original. One interface, three stores (the undici
 * cache-store pattern): memory (default, one process), SQLite in the data dir (survives
 * restarts), Redis (shared by several gateways). Originals are sensitive; the stores keep them
 * only where restoration needs them, and value keys are keyed hashes, never the values.
 *
 * Two maps: surrogate → original (to restore), value key → surrogate (to reuse the same surrogate
 * for the same value, also after a collision forced a later candidate).
 */
import { BoundedMemo } from '../bounded-memo.js';

export interface Vault {
  /** The surrogate already linked to a value (by its keyed hash), if any. */
  surrogateOf(valueKey: string): Promise<string | undefined>;
  /** The original behind a surrogate, if any. */
  originalOf(surrogate: string): Promise<string | undefined>;
  /**
   * Atomically claims `surrogate` for `original`. With a value key, first returns the surrogate
   * already linked to that key (another gateway may have linked one first), else links this one.
   * Returns undefined when the surrogate already stands for a different original.
   */
  claim(surrogate: string, original: string, valueKey?: string): Promise<string | undefined>;
  /**
   * Records that requests sent with one credential (`scope`, its keyed hash) were given these
   * surrogates: an answer read back later by GET is restored only from them (read-back.ts), so
   * that on a shared vault nobody reads back another's values by having the model write their
   * surrogates.
   */
  grant(scope: string, surrogates: readonly string[]): Promise<void>;
  /** Whether requests under `scope` were given `surrogate` (see grant). */
  isGranted(scope: string, surrogate: string): Promise<boolean>;
  /** One stored original (any), or undefined when the vault is empty: a persisted vault's key check. */
  anyOriginal?(): Promise<string | undefined>;
  /** Up to `limit` entries an earlier Airlock stored in clear (before originals were sealed). */
  entriesInClear?(limit: number): Promise<{ surrogate: string; original: string }[]>;
  /** Replaces every original stored in clear by `seal(original)`, at once; returns how many. */
  sealInClear?(seal: (original: string) => string): Promise<number>;
  /**
   * Goes up when the store is found to have lost what it held (a Redis restarted without
   * persistence, or flushed): links remembered from it may no longer be there, and another
   * gateway may already have given their surrogates to other values. Absent: never.
   */
  readonly generation?: number;
  close(): Promise<void>;
}

/**
 * Values a memory vault remembers by default: far more than one developer's machine ever sends
 * (a home, a host, a few keys and projects), a bound for a gateway that runs for months in
 * front of many (about 260 bytes a value: some 260 MB when full). Past it the oldest links go:
 * such a value, seen again, gets its surrogate from its keyed hash again, the same one unless a
 * collision had moved it, and within one request a surrogate still never stands for two values.
 */
export const MEMORY_VAULT_VALUES = 1_000_000;

export class MemoryVault implements Vault {
  private readonly originals: BoundedMemo<string, string>;
  private readonly links: BoundedMemo<string, string>;
  /** `scope \0 surrogate` of every grant; past the bound the oldest go (not restored then). */
  private readonly grants: BoundedMemo<string, true>;

  constructor(maxValues = MEMORY_VAULT_VALUES) {
    // Oldest first in both: a claim sets both, so they drop the same values in the same order.
    this.originals = new BoundedMemo(maxValues, 'oldest');
    this.links = new BoundedMemo(maxValues, 'oldest');
    this.grants = new BoundedMemo(maxValues, 'oldest');
  }

  grant(scope: string, surrogates: readonly string[]): Promise<void> {
    for (const surrogate of surrogates) this.grants.set(`${scope}\0${surrogate}`, true);
    return Promise.resolve();
  }

  isGranted(scope: string, surrogate: string): Promise<boolean> {
    return Promise.resolve(this.grants.get(`${scope}\0${surrogate}`) === true);
  }

  surrogateOf(valueKey: string): Promise<string | undefined> {
    return Promise.resolve(this.links.get(valueKey));
  }

  originalOf(surrogate: string): Promise<string | undefined> {
    return Promise.resolve(this.originals.get(surrogate));
  }

  claim(surrogate: string, original: string, valueKey?: string): Promise<string | undefined> {
    const linked = valueKey === undefined ? undefined : this.links.get(valueKey);
    if (linked !== undefined) return Promise.resolve(linked);
    const existing = this.originals.get(surrogate);
    if (existing !== undefined && existing !== original) return Promise.resolve(undefined);
    this.originals.set(surrogate, original);
    if (valueKey !== undefined) this.links.set(valueKey, surrogate);
    return Promise.resolve(surrogate);
  }

  get size(): number {
    return this.originals.size;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
