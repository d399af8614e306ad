/**
 * A forward proxy started on its own (`airlock proxy`, `airlock run`) that follows its policy
 * file as `airlock start` does: when the file changes and the new version is valid, the proxy's
 * `egress:` rules change with it; an invalid version is refused and the rules in force stay. A
 * file that is not valid as a whole when the proxy starts is followed too, from its first valid
 * version on.
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
  const watcher = watchPolicy(
    file,
    (next) => {
      proxy.setPolicy(derive(next.policy.egress));
      options.onReload?.(file);
    },
    (err) => options.onProblem(err.message),
    {
      // The proxy started from the file's egress section alone; the rest of the file must be
      // valid too for a new version to be told apart from a broken one, so the first valid
      // version is the next to take effect.
      onInvalidStart: (err) =>
        options.onProblem(
          `policy ${file} is not valid as a whole: the proxy keeps the egress rules it started with ` +
            `until a valid version of the file is saved: ${err.message}`,
        ),
    },
  );
  return { close: () => watcher.close() };
}
