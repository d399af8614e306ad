/**
 * The engine `airlock scan` uses unless told otherwise: the project's detection engine with the
 * built-in rules and the canaries of this machine (its host name, user, home, addresses, git
 * identity, secret environment values), so transcripts are searched for this machine's own
 * values in every encoding the engine knows. With a policy file, the policy's custom rules and
 * corporate domains join in and its `allow_values` are never findings, exactly as in the
 * gateway. The machine's values are learned once, in the main thread; worker threads get them
 * (`forWorkers`) instead of learning them again, and build their own automaton, which costs
 * little: its states are made as the scan first reaches them (literal-dfa.ts). The policy
 * modules (YAML and schema parsing, about 90 ms to load) are imported only when a policy file
 * is given.
 */
import { learnCanaries } from '../detect/canaries.js';
import type { Canary } from '../detect/canary-encodings.js';
import { createEngine as createDetectEngine } from '../detect/engine.js';
import type { ScanEngine } from './types.js';

export interface DefaultEngineOptions {
  /** Learn this machine's values (default true); false scans with the rules alone. */
  canaries?: boolean;
  /** Domain suffixes of the organisation: host names under them are findings. */
  corporateSuffixes?: string[];
  /** A policy file (airlock.policy.yaml): custom rules, corporate domains, allowed values. */
  policyFile?: string;
  /** The machine's values as another thread learned them (instead of learning them again). */
  learned?: Canary[];
  /**
   * Texts whose findings the engine remembers (default 0: off). The gateway sees the same
   * conversation again on every turn; a scan reads each record once, and there the cache only
   * cost: on 2.15 GB of transcripts in two workers 21.4 vs 18.6 CPU s and 362 vs 281 MB peak
   * RSS (even at 1M characters: 24.1 CPU s, 338 MB), as every cached text outlives the young
   * generation. Files that repeat themselves (HAR captures of long sessions) scan faster with it.
   */
  cacheEntries?: number;
}

export interface DefaultScanEngine extends ScanEngine {
  forWorkers(): DefaultEngineOptions;
}

/** The options that give a worker thread this same engine: the canaries this thread learned. */
function forWorkers(opts: DefaultEngineOptions, canaries: Canary[]): () => DefaultEngineOptions {
  return () => ({ ...opts, learned: canaries });
}

export async function createEngine(opts: DefaultEngineOptions = {}): Promise<DefaultScanEngine> {
  const canaries = opts.canaries === false ? [] : (opts.learned ?? learnCanaries());
  if (opts.policyFile === undefined) {
    const engine = createDetectEngine({
      canaries,
      corporateSuffixes: opts.corporateSuffixes ?? [],
      cacheEntries: opts.cacheEntries ?? 0,
    });
    return {
      scan: (inputs) => engine.scan(inputs),
      forWorkers: forWorkers(opts, canaries),
    };
  }
  const [{ engineForPolicy }, { loadPolicy }] = await Promise.all([
    import('../policy/engine.js'),
    import('../policy/load.js'),
  ]);
  const policy = loadPolicy(opts.policyFile);
  const engine = engineForPolicy(policy, { canaries });
  const customKeywords = policy.policy.custom_rules.flatMap((rule) => rule.keywords);
  return {
    contextKeywords: () => customKeywords,
    scan(inputs) {
      return engine
        .scan(inputs)
        .filter((f) => !policy.isAllowedValue(inputs[f.input]!.text.slice(f.start, f.end)));
    },
    forWorkers: forWorkers(opts, canaries),
  };
}
