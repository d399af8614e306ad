/**
 * Runs of shared inputs. A producer that hands over the same inputs request after request (the
 * dialects' segments of a value the body parser remembered: tool definitions and system prompt,
 * resent byte for byte every turn) marks them as a run: one frozen array of frozen inputs, the
 * same objects every time. A consumer that keeps what it derives from an input alone can then
 * keep it per run, and go over the run's few interesting inputs instead of each of its inputs
 * (a Claude Code request has about 190 tool-definition texts, of which a handful hold
 * anything). Everything kept per run equals what the per-input path gives at the same indices.
 */
import type { ScanInput } from './types.js';

/** A run by its first input. */
const runs = new WeakMap<ScanInput, readonly ScanInput[]>();

/** Marks `inputs` (frozen by the caller, never changed) as a run; its first input names it. */
export function markRun(inputs: readonly ScanInput[]): void {
  if (inputs.length === 0 || !Object.isFrozen(inputs)) return;
  for (const input of inputs) if (!Object.isFrozen(input) || !Object.isFrozen(input.path)) return;
  const first = inputs[0] as ScanInput;
  // An input in two runs would make a run's derived data ambiguous: the first marking stays.
  if (!runs.has(first)) runs.set(first, inputs);
}

/**
 * The run that starts at `inputs[at]` and is there whole (the very same input objects, in
 * order), or undefined. Identity compares only: no hashing, no text compared.
 */
export function runAt(inputs: readonly ScanInput[], at: number): readonly ScanInput[] | undefined {
  const first = inputs[at];
  if (first === undefined) return undefined;
  const run = runs.get(first);
  if (run === undefined || at + run.length > inputs.length) return undefined;
  for (let k = 1; k < run.length; k++) if (inputs[at + k] !== run[k]) return undefined;
  return run;
}
