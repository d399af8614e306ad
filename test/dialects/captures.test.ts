/**
 * The dialects on requests captured from the real CLIs (Claude Code, Codex, Gemini CLI, Qwen
 * Code) in a made-up environment (test/fixtures/captures, written by scripts/capture-clis.ts):
 * every string leaf holding a planted value (home, user, host, git identity, keys...) must be
 * listed as a segment, and the round trip must hold on real bodies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDialect } from '../../src/dialects/index.js';
import { checkRoundTrip } from './helpers.js';
import { CAPTURED_CLIS, loadCapture } from '../helpers/captures.js';

describe('dialects on real CLI captures', () => {
  for (const [cli, provider] of Object.entries(CAPTURED_CLIS)) {
    it(`${cli}: every planted value sits in a listed segment`, () => {
      const capture = loadCapture(cli);
      const planted = Object.values(capture.planted).filter((v) => v.length >= 4);
      assert.ok(capture.requests.length > 0);
      let found = 0;
      for (const req of capture.requests) {
        const path = req.path.replace(/^\/(anthropic|openai|gemini)(?=\/)/, '');
        const dialect = resolveDialect(provider, req.method, path);
        assert.notEqual(dialect.id, 'passthrough', `${req.method} ${req.path}`);
        const source = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
        // Fails on any planted value in a string leaf that no segment lists.
        const segs = checkRoundTrip(dialect, source, planted);
        found += segs.filter((s) => planted.some((p) => s.text.includes(p))).length;
      }
      // Each CLI does send some of them, so the check above is not vacuous.
      assert.ok(found > 0, `${cli}: no planted value in any segment`);
    });
  }
});
