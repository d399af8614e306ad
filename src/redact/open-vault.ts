import { join } from 'node:path';
import { MemoryVault, type Vault } from './vault.js';
import { SealedVault } from './vault-seal.js';
import { SqliteVault, VAULT_FILE } from './vault-sqlite.js';
import { RedisVault } from './vault-redis.js';

/**
 * `memory` (default), `sqlite` (`<dataDir>/vault.db`) or a `redis://` / `rediss://` URL. The
 * persisted stores get the originals sealed with a key derived from `key` (see vault-seal.ts).
 */
export function openVault(
  spec: string,
  dataDir: string,
  key: Buffer,
  options: { commandTimeoutMs?: number } = {},
): Vault {
  if (spec === 'memory') return new MemoryVault();
  if (spec === 'sqlite') return new SealedVault(new SqliteVault(join(dataDir, VAULT_FILE)), key);
  if (/^rediss?:\/\//.test(spec)) return new SealedVault(new RedisVault(spec, options), key);
  throw new Error(`unknown vault "${spec}": use memory, sqlite or a redis:// URL`);
}
