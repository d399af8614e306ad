/**
 * The engine `airlock scan` uses unless told otherwise: the project's detection engine with the
 * built-in rules and the canaries of this machine (its host name, user, home, addresses, git
 * identity, secret environment values), so transcripts are searched for this machine's own
 * values in every encoding the engine knows. Built once per worker thread.
 */
import { learnCanaries } from '../detect/canaries.js';
import { createEngine as createDetectEngine } from '../detect/engine.js';
import type { ScanEngine } from './types.js';

export interface DefaultEngineOptions {
  /** Learn this machine's values (default true); false scans with the rules alone. */
  canaries?: boolean;
  /** Domain suffixes of the organisation: host names under them are findings. */
  corporateSuffixes?: string[];
}

export function createEngine(opts: DefaultEngineOptions = {}): ScanEngine {
  const canaries = opts.canaries === false ? [] : learnCanaries();
  return createDetectEngine({ canaries, corporateSuffixes: opts.corporateSuffixes ?? [] });
}
