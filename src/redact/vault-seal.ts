/**
 * Originals sealed before a persisted vault stores them: `vault.db` and, above all, a Redis
 * vault shared over the network hold the very values Airlock keeps from leaving (home paths,
 * names, and by default the secrets restored into tool calls). With the seal, what the store
 * holds is AES-256-GCM ciphertext under a key derived from the installation's surrogate key
 * (which every gateway sharing a vault already shares), so the store alone reveals nothing.
 *
 * The seal is deterministic (a synthetic IV: an HMAC of the original, as in AES-SIV): the same
 * original seals to the same text, so a store compares sealed originals for equality where it
 * compared plain ones (SQLite in a transaction, Redis in a Lua script) and a claim stays one
 * atomic step. Equal originals are already visible as one surrogate, so equality leaks nothing
 * new. Entries written in clear before the seal existed are read as they are, and a claim of a
 * surrogate held by the same original in clear succeeds, so surrogates stay the same across the
 * upgrade.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { VALUE_KINDS } from '../detect/types.js';
import { valueKeyUnder } from './surrogates.js';
import type { Vault } from './vault.js';

/** The seal this build writes and opens; entries start with `sealed:v1:`. */
export const SEAL_VERSION = 'v1';
export const SEAL_PREFIX = `sealed:${SEAL_VERSION}:`;
const PREFIX = SEAL_PREFIX;
/** How every sealed entry begins, whatever its version: `sealed:v<N>:`. */
const SEALED = /^sealed:(v\d+):/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The version of an entry sealed by a newer Airlock (`v2`), or undefined for a v1 entry or one
 * in clear.
 */
export function newerSeal(stored: string): string | undefined {
  const version = SEALED.exec(stored)?.[1];
  return version === undefined || `sealed:${version}:` === PREFIX ? undefined : version;
}

/** What the vault holds was sealed by a newer Airlock, in a format this one cannot open. */
export class VaultFormatError extends Error {
  override name = 'VaultFormatError';
}

/** What the vault holds was sealed under another installation key. */
export class VaultKeyError extends Error {
  override name = 'VaultKeyError';
}

export class VaultSeal {
  private readonly encryptKey: Buffer;
  private readonly ivKey: Buffer;

  constructor(installationKey: Buffer) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', installationKey, '', info, 32));
    this.encryptKey = derive('airlock vault seal v1: encryption');
    this.ivKey = derive('airlock vault seal v1: synthetic iv');
  }

  seal(original: string): string {
    const plain = Buffer.from(original, 'utf8');
    const iv = createHmac('sha256', this.ivKey).update(plain).digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptKey, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The original behind a stored value; a value stored in clear (before sealing) as it is. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) {
      // Read as clear, it would pass for an original that differs from every real one.
      const version = newerSeal(stored);
      if (version !== undefined)
        throw new VaultFormatError(
          `vault entry sealed as ${version} by a newer Airlock (this one opens ${SEAL_VERSION}): run that version or a newer one`,
        );
      return stored;
    }
    const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('vault entry is not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptKey, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new VaultKeyError(
        'vault entry sealed with another key: gateways sharing a vault must share surrogate.key',
      );
    }
  }
}

/** A vault whose store only ever sees sealed originals. */
/** Entries in clear looked at to tell whether they were written under this gateway's key. */
const CLEAR_SAMPLE = 20;

export class SealedVault implements Vault {
  private readonly seal: VaultSeal;

  constructor(
    private readonly inner: Vault,
    private readonly installationKey: Buffer,
  ) {
    this.seal = new VaultSeal(installationKey);
  }

  get generation(): number | undefined {
    return this.inner.generation;
  }

  surrogateOf(valueKey: string): Promise<string | undefined> {
    return this.inner.surrogateOf(valueKey);
  }

  // Scopes are keyed hashes and surrogates are what the provider sees: nothing to seal.
  grant(scope: string, surrogates: readonly string[]): Promise<void> {
    return this.inner.grant(scope, surrogates);
  }

  isGranted(scope: string, surrogate: string): Promise<boolean> {
    return this.inner.isGranted(scope, surrogate);
  }

  async originalOf(surrogate: string): Promise<string | undefined> {
    const stored = await this.inner.originalOf(surrogate);
    return stored === undefined ? undefined : this.seal.open(stored);
  }

  async claim(surrogate: string, original: string, valueKey?: string): Promise<string | undefined> {
    const claimed = await this.inner.claim(surrogate, this.seal.seal(original), valueKey);
    if (claimed !== undefined) return claimed;
    // Held by another original (a collision), by this same one stored in clear before sealing
    // (still its surrogate), or by an entry sealed under another key: a gateway whose
    // surrogate.key is not the one its vault was written with, which must fail loudly rather
    // than give the same values other surrogates than the gateways it shares the vault with.
    const stored = await this.inner.originalOf(surrogate);
    if (stored === undefined) return undefined;
    return this.seal.open(stored) === original ? surrogate : undefined;
  }

  /**
   * Whether this gateway's key opens what the vault holds: one stored entry is opened (none in
   * an empty vault). Throws when it was sealed under another key, so that a gateway given the
   * wrong surrogate.key stops at start instead of at its first collision.
   */
  async checkKey(): Promise<void> {
    const stored = await this.inner.anyOriginal?.();
    if (stored !== undefined) this.seal.open(stored);
  }

  /**
   * Seals in place what an earlier Airlock stored in clear (before 2026-11-27), so that the
   * store holds no original in clear after an upgrade. Only when some of those entries are
   * shown to be this key's (the value's keyed hash under it links to the entry's surrogate):
   * sealed under a key that is not the vault's, they could no longer be opened with the right
   * one. Their surrogates do not change. `unverified`: entries in clear, none shown to be this
   * key's, left as they are.
   */
  async sealEntriesInClear(): Promise<{ sealed: number; unverified?: true }> {
    const { inner } = this;
    if (inner.entriesInClear === undefined || inner.sealInClear === undefined) return { sealed: 0 };
    const sample = await inner.entriesInClear(CLEAR_SAMPLE);
    if (sample.length === 0) return { sealed: 0 };
    for (const entry of sample)
      if (await this.linkedUnderThisKey(entry.surrogate, entry.original))
        return { sealed: await inner.sealInClear((original) => this.seal.seal(original)) };
    return { sealed: 0, unverified: true };
  }

  private async linkedUnderThisKey(surrogate: string, original: string): Promise<boolean> {
    for (const kind of VALUE_KINDS)
      if ((await this.inner.surrogateOf(valueKeyUnder(this.installationKey, kind, original))) === surrogate)
        return true;
    return false;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
