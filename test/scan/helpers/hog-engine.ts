/**
 * The test engine, except that a text containing EXHAUST-WORKER-MEMORY makes it allocate
 * without end: how the pool's handling of a worker that runs out of memory is tested.
 */
import type { Finding, ScanInput } from '../../../src/detect/types.js';
import { createEngine as createRegexEngine } from './regex-engine.js';

export function createEngine(): { scan(inputs: ScanInput[]): Finding[] } {
  const inner = createRegexEngine();
  return {
    scan(inputs) {
      if (inputs.some((i) => i.text.includes('EXHAUST-WORKER-MEMORY'))) {
        const hog: number[][] = [];
        for (;;) hog.push(new Array<number>(1_000_000).fill(hog.length));
      }
      return inner.scan(inputs);
    },
  };
}
