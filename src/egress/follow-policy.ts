/**
 * A forward proxy started on its own (`airlock proxy`, `airlock run`) that follows its policy
 * file as `airlock start` does: when the file changes and the new version is valid, the proxy's
 * `egress:` rules change with it; an invalid version is refused and the rules in force stay.
 */
import { watchPolicy } from '../policy/watch.js';
import type { EgressPolicyInput } from './policy.js';
import type { ForwardProxy } from './proxy.js';

export interface EgressPolicyFollower {
  close(): void;
}

export interface FollowOptions {
  /** The policy the proxy gets from a file's `egress:` section (run adds its gateway, --strict). */
  derive?: (section: EgressPolicyInput) => EgressPolicyInput;
  /** A new version in force. */
  onReload?: (file: string) => void;
  /** A new version refused, or a file that cannot be followed (the proxy keeps its rules). */
  onProblem: (message: string) => void;
}

export function followEgressPolicy(
  file: string,
  proxy: Pick<ForwardProxy, 'setPolicy'>,
  options: FollowOptions,
): EgressPolicyFollower {
  const derive = options.derive ?? ((section) => section);
  try {
    const watcher = watchPolicy(
      file,
      (next) => {
        proxy.setPolicy(derive(next.policy.egress));
        options.onReload?.(file);
      },
      (err) => options.onProblem(err.message),
    );
    return { close: () => watcher.close() };
  } catch (err) {
    // The proxy started from the file's egress section alone; the rest of the file must be
    // valid too for a new version to be told apart from a broken one.
    options.onProblem(
      `policy ${file} is not valid as a whole, so changes to its egress section are not followed ` +
        `until the proxy restarts: ${(err as Error).message}`,
    );
    return { close: () => undefined };
  }
}
