/**
 * Hot reload: a policy file that changes on disk is re-read and, when valid, replaces the one
 * in force. An invalid new version is refused and the old one stays, with an error that says so.
 *
 * Folders are watched, not the file: editors save by writing a new file and renaming it over
 * the old one, which a watch on the old inode would miss. A policy file that is a symlink (a
 * Kubernetes ConfigMap mounts `policy.yaml -> ..data/policy.yaml`, `..data -> ..2024_...`, and
 * swaps `..data`) changes without any event for its own name: the link's folder is watched for
 * events of any name, and the folder of the file it resolves to (followed as the link moves) for
 * that file's; a slow poll covers links in other folders. Every event ends in reading the file
 * and comparing it with the last text read, so that unrelated events cost one read.
 */
import { lstatSync, readFileSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/yaml-zod.js';
import type { CompiledPolicy } from './compile.js';
import { loadPolicy, policyFromText } from './load.js';

export interface PolicyWatcher {
  /** The policy in force: undefined while a file invalid at start (`onInvalidStart`) stays so. */
  current(): CompiledPolicy | undefined;
  close(): void;
}

/**
 * Why onChange is called: a new version, or the file back to the version in force after a
 * refused version or a deletion (so that a listener showing those can clear them).
 */
export type PolicyChange = 'changed' | 'restored';

export interface WatchOptions {
  debounceMs?: number;
  /** How often a policy file that is a symlink is read anyway (links in other folders move unseen). */
  pollMs?: number;
  /**
   * Given, a file that is invalid at start does not throw: it is reported here, and the first
   * valid version goes to onChange (for a caller that started from part of the file, as the
   * egress proxy on its own starts from the `egress:` section).
   */
  onInvalidStart?: (err: Error) => void;
  /** The file is gone (deleted, or its link broken); the policy in force stays. Told once. */
  onMissing?: (file: string) => void;
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

/** The file the path resolves to, or undefined while it does not exist. */
function resolved(path: string): { linked: boolean; target: string } | undefined {
  try {
    return { linked: lstatSync(path).isSymbolicLink(), target: realpathSync(path) };
  } catch {
    return undefined;
  }
}

/**
 * Loads `file` now (throws if invalid, unless `onInvalidStart` is given) and reloads it on change.
 * @param onChange called with each valid new policy, and with the version in force again when the
 *                 file comes back to it (`restored`); throwing refuses it like an invalid file
 * @param onError  called when a new version is refused (the old policy stays in force)
 */
export function watchPolicy(
  file: string,
  onChange: (policy: CompiledPolicy, change: PolicyChange) => void,
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
  /** The text last read, whatever became of it: the same text again is no change. */
  let lastText = policy?.text;
  /** Since the version in force was read, the file was refused or gone (and the listeners told). */
  let refused = false;
  let missing = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const debounceMs = options.debounceMs ?? 100;

  const reload = (): void => {
    if (closed) return;
    follow();
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      lastText = undefined;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // Read after the debounce (or by the slow poll), when an editor's unlink and rename
        // are over: the file was deleted.
        if (!missing) options.onMissing?.(path);
        missing = true;
        return;
      }
      refused = true;
      onError(new PolicyReloadError(path, ConfigError.unreadable(path, 'policy', err)));
      return;
    }
    if (text === lastText) return;
    lastText = text;
    // Still empty after the debounce: most likely emptied on purpose. At start an empty file is
    // the built-in policy, but a running gateway does not drop the policy in force for it (a
    // save in progress looks the same, and would open a window under a weaker policy): said,
    // and refused like an invalid version.
    if (text.trim() === '') {
      refused = true;
      onError(
        new PolicyReloadError(
          path,
          new Error('the file is empty (for the built-in policy, write `version: 1` in it)'),
        ),
      );
      return;
    }
    let next: CompiledPolicy;
    try {
      next = policyFromText(text, path);
    } catch (err) {
      refused = true;
      onError(new PolicyReloadError(path, err));
      return;
    }
    const restored = next.fingerprint === policy?.fingerprint;
    if (restored && !refused && !missing) return;
    try {
      // The listener may refuse the policy too (a custom rule the engine cannot compile).
      onChange(next, restored ? 'restored' : 'changed');
    } catch (err) {
      refused = true;
      onError(new PolicyReloadError(path, err));
      return;
    }
    policy = next;
    refused = false;
    missing = false;
  };

  const schedule = (): void => {
    // Editors write in several steps; read once the burst is over.
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload();
    }, debounceMs);
  };

  const ownFolder = dirname(path);
  const ownName = basename(path);
  /** Folder → its watcher and which event names in it concern the policy (undefined: all). */
  const watched = new Map<string, { watcher: FSWatcher; names: Set<string> | undefined }>();
  let poll: NodeJS.Timeout | undefined;

  /** Watches the folders the path goes through now (after a link moved, others than before). */
  function follow(): void {
    const now = resolved(path);
    const wanted = new Map<string, Set<string> | undefined>([
      [ownFolder, now?.linked ? undefined : new Set([ownName])],
    ]);
    if (now?.linked) {
      const folder = dirname(now.target);
      if (!wanted.has(folder)) wanted.set(folder, new Set([basename(now.target)]));
    }
    for (const [folder, entry] of watched)
      if (!wanted.has(folder)) {
        entry.watcher.close();
        watched.delete(folder);
      }
    for (const [folder, names] of wanted) {
      const entry = watched.get(folder);
      if (entry) entry.names = names;
      else watchFolder(folder, names);
    }
    if (now?.linked && poll === undefined) {
      poll = setInterval(reload, options.pollMs ?? 5000);
      poll.unref();
    }
  }

  function watchFolder(folder: string, names: Set<string> | undefined): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false }, (_event, name) => {
        const filter = watched.get(folder)?.names;
        if (name !== null && filter !== undefined && !filter.has(name)) return;
        schedule();
      });
    } catch {
      // The folder a link pointed to is gone already; the next event or poll follows the link.
      return;
    }
    // A watched folder that is deleted (the old target of a moved link) may report an error.
    watcher.on('error', () => {
      watcher.close();
      if (watched.get(folder)?.watcher === watcher) watched.delete(folder);
    });
    watched.set(folder, { watcher, names });
  }

  follow();
  if (!watched.has(ownFolder)) {
    // A policy in a folder that cannot be watched would never reload: say so at start.
    throw new Error(`cannot watch ${ownFolder} for changes of the policy file`);
  }

  return {
    current: () => policy,
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const { watcher } of watched.values()) watcher.close();
      watched.clear();
    },
  };
}

/**
 * watchPolicy for a gateway (`airlock start`, and `airlock run`'s own): each valid new version
 * goes to `apply` and is logged; each refused one is logged with why and told to `onRefused`; a
 * deleted file, and the file back to the version in force, are logged.
 */
export function watchGatewayPolicy(
  file: string,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  apply: (policy: CompiledPolicy) => void,
  onRefused?: (err: PolicyReloadError) => void,
): PolicyWatcher {
  return watchPolicy(
    file,
    (next, change) => {
      apply(next);
      logger.info(
        { policy: file },
        change === 'restored' ? 'policy file is back to the version in force' : 'policy reloaded',
      );
    },
    (err) => {
      onRefused?.(err);
      logger.error(
        { policy: file, error: err.message },
        'new policy refused; the previous one stays in force',
      );
    },
    {
      onMissing: () =>
        logger.warn(
          { policy: file },
          'policy file deleted; the policy in force stays until a valid version is saved',
        ),
    },
  );
}
