/**
 * The engine `airlock scan` uses unless told otherwise: the project's detection engine with the
 * built-in rules and the canaries of this machine (its host name, user, home, addresses, git
 * identity, secret environment values), so transcripts are searched for this machine's own
 * values in every encoding the engine knows. With a policy file, the policy's custom rules and
 * corporate domains join in and its `allow_values` are never findings, exactly as in the
 * gateway. Built once per worker thread. The policy modules (YAML and schema parsing, about
 * 90 ms to load) are imported only when a policy file is given.
 */
import { learnCanaries } from '../detect/canaries.js';
import { createEngine as createDetectEngine } from '../detect/engine.js';
import type { ScanEngine } from './types.js';

export interface DefaultEngineOptions {
  /** Learn this machine's values (default true); false scans with the rules alone. */
  canaries?: boolean;
  /** Domain suffixes of the organisation: host names under them are findings. */
  corporateSuffixes?: string[];
  /** A policy file (airlock.policy.yaml): custom rules, corporate domains, allowed values. */
  policyFile?: string;
}

export async function createEngine(opts: DefaultEngineOptions = {}): Promise<ScanEngine> {
  const canaries = opts.canaries === false ? [] : learnCanaries();
  if (opts.policyFile === undefined) {
    return createDetectEngine({ canaries, corporateSuffixes: opts.corporateSuffixes ?? [] });
  }
  const [{ engineForPolicy }, { loadPolicy }] = await Promise.all([
    import('../policy/engine.js'),
    import('../policy/load.js'),
  ]);
  const policy = loadPolicy(opts.policyFile);
  const engine = engineForPolicy(policy, { canaries });
  return {
    scan(inputs) {
      return engine
        .scan(inputs)
        .filter((f) => !policy.isAllowedValue(inputs[f.input]!.text.slice(f.start, f.end)));
    },
  };
}
