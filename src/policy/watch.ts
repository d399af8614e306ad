/**
 * Hot reload: a policy file that changes on disk is re-read and, when valid, replaces the one
 * in force. An invalid new version is refused and the old one stays, with an error that says so.
 * The directory is watched, not the file: editors save by writing a new file and renaming it
 * over the old one, which a watch on the old inode would miss.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { CompiledPolicy } from './compile.js';
import { loadPolicy, reloadPolicy } from './load.js';

export interface PolicyWatcher {
  /** The policy in force: undefined while a file invalid at start (`onInvalidStart`) stays so. */
  current(): CompiledPolicy | undefined;
  close(): void;
}

export interface WatchOptions {
  debounceMs?: number;
  /**
   * Given, a file that is invalid at start does not throw: it is reported here, and the first
   * valid version goes to onChange (for a caller that started from part of the file, as the
   * egress proxy on its own starts from the `egress:` section).
   */
  onInvalidStart?: (err: Error) => void;
}

export class PolicyReloadError extends Error {
  constructor(file: string, cause: unknown) {
    super(
      `policy ${file} changed but the new version is invalid; keeping the previous policy.\n${(cause as Error).message}`,
      {
        cause,
      },
    );
    this.name = 'PolicyReloadError';
  }
}

/**
 * Loads `file` now (throws if invalid, unless `onInvalidStart` is given) and reloads it on change.
 * @param onChange called with each valid new policy; throwing refuses it like an invalid file
 * @param onError  called when a new version is refused (the old policy stays in force)
 */
export function watchPolicy(
  file: string,
  onChange: (policy: CompiledPolicy) => void,
  onError: (err: PolicyReloadError) => void,
  options: WatchOptions = {},
): PolicyWatcher {
  const path = resolve(file);
  let policy: CompiledPolicy | undefined;
  try {
    policy = loadPolicy(path);
  } catch (err) {
    if (!options.onInvalidStart) throw err;
    options.onInvalidStart(err as Error);
  }
  let timer: NodeJS.Timeout | undefined;
  const debounceMs = options.debounceMs ?? 100;

  const reload = (): void => {
    timer = undefined;
    let next: CompiledPolicy | undefined;
    try {
      next = reloadPolicy(path);
    } catch (err) {
      onError(new PolicyReloadError(path, err));
      return;
    }
    // Empty or missing: a save in progress; the write that completes it brings another event.
    if (next === undefined || next.fingerprint === policy?.fingerprint) return;
    try {
      // The listener may refuse the policy too (a custom rule the engine cannot compile).
      onChange(next);
    } catch (err) {
      onError(new PolicyReloadError(path, err));
      return;
    }
    policy = next;
  };

  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, name) => {
    if (name !== null && name !== basename(path)) return;
    // Editors write in several steps; read once the burst is over.
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  });

  return {
    current: () => policy,
    close: () => {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}

/**
 * watchPolicy for a gateway (`airlock start`, and `airlock run`'s own): each valid new version
 * goes to `apply` and is logged; each refused one is logged with why and told to `onRefused`.
 */
export function watchGatewayPolicy(
  file: string,
  logger: Pick<Logger, 'info' | 'error'>,
  apply: (policy: CompiledPolicy) => void,
  onRefused?: (err: PolicyReloadError) => void,
): PolicyWatcher {
  return watchPolicy(
    file,
    (next) => {
      apply(next);
      logger.info({ policy: file }, 'policy reloaded');
    },
    (err) => {
      onRefused?.(err);
      logger.error(
        { policy: file, error: err.message },
        'new policy refused; the previous one stays in force',
      );
    },
  );
}
