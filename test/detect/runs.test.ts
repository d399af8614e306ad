/**
 * Runs of frozen inputs (src/detect/runs.ts: the segments of a remembered tools array or system
 * prompt, the same objects request after request) must be invisible: the engine, the
 * persistent-id detector and the propagation of replaced values give, for inputs that hold
 * runs, exactly what their uncached paths give for plain copies of the same inputs, wherever
 * the runs stand (moved, repeated, cut short, out of order).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { markRun, runAt } from '../../src/detect/runs.js';
import { createPersistentIdDetector, MemoryIdTracker } from '../../src/detect/tracking.js';
import type { Finding, ScanInput } from '../../src/detect/types.js';
import { resolveDialect } from '../../src/dialects/index.js';
import { parseJsonBytes } from '../../src/dialects/parse-json.js';
import { propagateEdits, type Edit } from '../../src/redact/apply.js';
import { loadCapture } from '../helpers/captures.js';

/** Plain copies: not frozen, so no cache keeps anything by them and no run starts at them. */
const thaw = (inputs: readonly ScanInput[]): ScanInput[] => inputs.map((i) => ({ ...i, path: [...i.path] }));

/** The Claude Code requests' segments as the gateway gets them: the second parse holds runs. */
function capturedSegments(): ScanInput[][] {
  const capture = loadCapture('claude');
  const dialect = resolveDialect('anthropic', 'POST', '/v1/messages');
  const out: ScanInput[][] = [];
  for (const req of capture.requests) {
    if (typeof req.body !== 'object' || req.body === null) continue;
    const bytes = Buffer.from(JSON.stringify(req.body));
    parseJsonBytes(Buffer.from(bytes)); // the first parse remembers tools and system
    out.push(dialect.segments(parseJsonBytes(Buffer.from(bytes))));
  }
  return out;
}

/** Index ranges of the runs in `inputs`. */
function runsIn(inputs: readonly ScanInput[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 0; i < inputs.length; i++) {
    const run = runAt(inputs, i);
    if (run !== undefined) {
      ranges.push([i, i + run.length]);
      i += run.length - 1;
    }
  }
  return ranges;
}

/** The same inputs rearranged: runs moved, repeated, cut short, reversed. */
function variants(inputs: readonly ScanInput[]): ScanInput[][] {
  const runs = runsIn(inputs);
  assert.ok(runs.length > 0, 'the captured request must hold runs');
  const loose = inputs.filter((_, i) => !runs.some(([a, b]) => i >= a && i < b));
  const runLists = runs.map(([a, b]) => inputs.slice(a, b));
  const out: ScanInput[][] = [[...inputs]];
  out.push([...loose, ...runLists.flat()]); // runs after the conversation
  out.push([...runLists.flat(), ...runLists.flat(), ...loose]); // every run twice
  for (const run of runLists) {
    if (run.length < 3) continue;
    const cut = [...run.slice(0, 1), ...run.slice(2)]; // its second input missing: no run
    out.push([...loose, ...cut]);
    out.push([...loose, ...run.slice(0, -1)]); // its last input missing
    out.push([...run].reverse()); // out of order
    out.push([run[0] as ScanInput, ...loose, ...run]); // its first input alone, then whole
  }
  return out;
}

describe('runs of frozen inputs', () => {
  const requests = capturedSegments();

  it('are found only where all their inputs stand in order', () => {
    const segs = requests[requests.length - 1]!;
    const runs = runsIn(segs);
    assert.ok(runs.length >= 2, 'tools and system prompt are runs');
    for (const [a, b] of runs) {
      const run = segs.slice(a, b);
      assert.equal(runAt([...run], 0)?.length, run.length);
      assert.equal(runAt(run.slice(0, -1), 0), undefined);
      if (run.length > 2) assert.equal(runAt([run[0]!, ...run.slice(2), run[1]!], 0), undefined);
    }
    // Unfrozen inputs are never a run.
    const plain = thaw(segs.slice(0, 3));
    markRun(Object.freeze(plain));
    assert.equal(runAt(plain, 0), undefined);
  });

  it('change no finding of the engine', () => {
    const cached = createEngine();
    const plain = createEngine({ cacheEntries: 0 });
    let total = 0;
    for (let round = 0; round < 2; round++) {
      for (const segs of requests) {
        for (const inputs of variants(segs)) {
          const expected = plain.scan(thaw(inputs));
          assert.deepEqual(cached.scan(inputs), expected);
          total += expected.length;
        }
      }
    }
    assert.ok(total > 0, 'the captured requests hold findings');
  });

  it('change no finding of the persistent-id detector, request after request', async () => {
    const options = { key: 'k', threshold: 2 };
    const cached = createPersistentIdDetector({ tracker: new MemoryIdTracker(), ...options });
    const plain = createPersistentIdDetector({ tracker: new MemoryIdTracker(), ...options, cacheEntries: 0 });
    let total = 0;
    for (let round = 0; round < 3; round++) {
      for (const segs of requests) {
        for (const inputs of variants(segs)) {
          const expected = await plain.scan(thaw(inputs));
          assert.deepEqual(await cached.scan(inputs), expected);
          total += expected.length;
        }
      }
    }
    assert.ok(total > 0, 'ids seen twice are findings');
  });

  it('change no propagated edit', () => {
    const engine = createEngine({ cacheEntries: 0 });
    const capture = loadCapture('claude');
    let total = 0;
    for (const segs of requests) {
      for (const inputs of variants(segs)) {
        const findings: Finding[] = engine.scan(thaw(inputs));
        // Every other finding edited; every finding's value (and each planted value) replaced.
        const edits: Edit[] = findings
          .filter((_, k) => k % 2 === 0)
          .map((f) => ({ input: f.input, start: f.start, end: f.end, text: `<${f.kind}>` }));
        const replaced = new Map<string, string>();
        for (const f of findings) replaced.set(inputs[f.input]!.text.slice(f.start, f.end), `<${f.kind}>`);
        for (const [name, value] of Object.entries(capture.planted)) replaced.set(value, `<${name}>`);
        const expected = propagateEdits(thaw(inputs), edits, replaced, { cache: false });
        // Twice: the second time from what the first kept per run.
        assert.deepEqual(propagateEdits(inputs, edits, replaced), expected);
        assert.deepEqual(propagateEdits(inputs, edits, replaced), expected);
        total += expected.length;
      }
    }
    assert.ok(total > 0, 'planted values occur in the captured requests');
  });
});
