/**
 * How the scanner gets a detection engine: by module and options, not by object, because each
 * worker thread builds its own (engines hold compiled rules and per-process state that can't
 * cross threads). The default is the project's engine, src/detect, with this machine's
 * canaries (default-engine.ts).
 */
import type { ScanEngine } from './types.js';

export interface EngineSpec {
  /** Module URL (file:) or specifier exporting `createEngine(options)`. */
  module: string;
  /** Passed to `createEngine`; must be structured-cloneable (it crosses to workers). */
  options?: unknown;
}

/** Sources run under tsx in development; the built package has .js files. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export const DEFAULT_ENGINE: EngineSpec = { module: new URL(`./default-engine${EXT}`, import.meta.url).href };

interface EngineModule {
  createEngine(options?: unknown): ScanEngine | Promise<ScanEngine>;
}

function isEngineModule(mod: unknown): mod is EngineModule {
  return (
    typeof mod === 'object' &&
    mod !== null &&
    typeof (mod as { createEngine?: unknown }).createEngine === 'function'
  );
}

export async function loadEngine(spec: EngineSpec): Promise<ScanEngine> {
  const mod: unknown = await import(spec.module);
  if (!isEngineModule(mod)) throw new Error(`engine module ${spec.module} does not export createEngine()`);
  return await mod.createEngine(spec.options);
}
