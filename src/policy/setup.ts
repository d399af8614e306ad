/**
 * Everything the gateway needs from this part, from its config: the policy (file or built-in,
 * hot-reloaded), the surrogate key (`<dataDir>/surrogate.key`), the vault the policy names, the
 * detection engine for the policy, and the inspector over them.
 *
 *   const rt = await createPolicyRuntime({ file: config.policy, dataDir, onReload: (i, onError) =>
 *     gateway.setInspector(i, onError), onReloadError: (e) => log.error(e.message) });
 *   startGateway({ config, inspector: rt.inspector, onInspectError: rt.onError });
 *
 * A reload swaps the inspector (new rules, new engine) but keeps the key, the vault and the
 * surrogate cache: surrogates stay the same across reloads. Changing `vault:` needs a restart.
 */
import type { Canary } from '../detect/canary-encodings.js';
import type { Inspector } from '../gateway/inspector.js';
import { openVault } from '../redact/open-vault.js';
import { loadOrCreateKey, Surrogates } from '../redact/surrogates.js';
import type { Vault } from '../redact/vault.js';
import type { CompiledPolicy } from './compile.js';
import { engineForPolicy } from './engine.js';
import { createPolicyInspector, type Scanner } from './inspector.js';
import { defaultPolicy } from './load.js';
import { watchPolicy, type PolicyWatcher } from './watch.js';

export interface PolicyRuntimeOptions {
  /** The config's `policy:` file; undefined for the built-in default policy. */
  file: string | undefined;
  dataDir: string;
  /** Values learned from this machine (detect's canaries), found in any encoding. */
  canaries?: readonly Canary[];
  tracker?: Scanner;
  /** A valid new policy took effect: install its inspector (gateway.setInspector). */
  onReload?: (inspector: Inspector, onError: 'block' | 'allow', policy: CompiledPolicy) => void;
  /** A changed policy file was refused; the previous policy stays in force. Log it. */
  onReloadError?: (err: Error) => void;
}

export interface PolicyRuntime {
  inspector: Inspector;
  /** The policy's `on_error`, for the gateway's onInspectError. */
  onError: 'block' | 'allow';
  policy(): CompiledPolicy;
  vault: Vault;
  close(): Promise<void>;
}

export function createPolicyRuntime(options: PolicyRuntimeOptions): PolicyRuntime {
  const key = loadOrCreateKey(options.dataDir);
  let watcher: PolicyWatcher | undefined;
  let current: CompiledPolicy;
  let build: (policy: CompiledPolicy) => Inspector = () => {
    throw new Error('not ready');
  };
  if (options.file === undefined) {
    current = defaultPolicy();
  } else {
    watcher = watchPolicy(
      options.file,
      (next) => {
        // Throws (refusing the new version) when a custom rule does not compile.
        const inspector = build(next);
        current = next;
        options.onReload?.(inspector, next.policy.on_error, next);
      },
      (err) => options.onReloadError?.(err),
    );
    current = watcher.current();
  }
  const vault = openVault(current.policy.vault, options.dataDir, key);
  const surrogates = new Surrogates(key, vault);
  build = (policy) =>
    createPolicyInspector({
      policy,
      engine: engineForPolicy(policy, options.canaries === undefined ? {} : { canaries: options.canaries }),
      surrogates,
      ...(options.tracker ? { tracker: options.tracker } : {}),
    });
  const inspector = build(current);
  return {
    inspector,
    onError: current.policy.on_error,
    policy: () => current,
    vault,
    close: async () => {
      watcher?.close();
      await vault.close();
    },
  };
}
