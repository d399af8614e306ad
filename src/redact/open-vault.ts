import { join } from 'node:path';
import { MemoryVault, type Vault } from './vault.js';
import { SqliteVault, VAULT_FILE } from './vault-sqlite.js';
import { RedisVault } from './vault-redis.js';

/** `memory` (default), `sqlite` (`<dataDir>/vault.db`) or a `redis://` / `rediss://` URL. */
export function openVault(spec: string, dataDir: string): Vault {
  if (spec === 'memory') return new MemoryVault();
  if (spec === 'sqlite') return new SqliteVault(join(dataDir, VAULT_FILE));
  if (/^rediss?:\/\//.test(spec)) return new RedisVault(spec);
  throw new Error(`unknown vault "${spec}": use memory, sqlite or a redis:// URL`);
}
