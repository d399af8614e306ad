/**
 * The default policy on real requests of four assistants (test/fixtures/captures: Claude Code,
 * Codex, Gemini CLI, Qwen Code, run in a made-up environment): none of the planted values
 * (home, user, host, git identity, proxy password, keys from the .env) leaves in the body or the
 * headers, the provider's credential header is untouched, and every body still serializes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDialect } from '../../src/dialects/index.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';
import { CAPTURED_CLIS, loadCapture } from '../helpers/captures.js';

describe('default policy on captured assistant requests', () => {
  for (const [cli, provider] of Object.entries(CAPTURED_CLIS)) {
    it(`${cli}: no planted value leaves`, async () => {
      const capture = loadCapture(cli);
      const policy = defaultPolicy();
      const inspector = createPolicyInspector({
        policy,
        engine: engineForPolicy(policy),
        vault: new MemoryVault(),
        key: Buffer.alloc(32, 5),
      });
      for (const req of capture.requests) {
        const [path = '', search = ''] = req.path.split('?');
        const body: unknown = typeof req.body === 'string' ? JSON.parse(req.body) : structuredClone(req.body);
        const result = await inspector.inspect({
          provider,
          dialect: resolveDialect(provider, req.method, path),
          method: req.method,
          path,
          query: new URLSearchParams(search),
          headers: { ...req.headers },
          body,
        });
        assert.equal(result.action, 'forward', result.action === 'block' ? result.message : '');
        if (result.action !== 'forward') continue;
        const headers: Record<string, string> = { ...req.headers };
        for (const name of result.removeHeaders ?? []) delete headers[name];
        Object.assign(headers, result.setHeaders ?? {});
        const sent = `${JSON.stringify(result.body ?? body)}\n${JSON.stringify(headers)}`.toLowerCase();
        for (const [name, value] of Object.entries(capture.planted)) {
          assert.ok(!sent.includes(value.toLowerCase()), `${cli} ${req.path}: planted ${name} left`);
        }
        for (const cred of ['x-api-key', 'authorization', 'x-goog-api-key']) {
          if (req.headers[cred] !== undefined)
            assert.equal(headers[cred], req.headers[cred], `${cred} must pass unchanged`);
        }
        assert.ok(!Object.keys(headers).some((h) => h.startsWith('x-stainless-')));
      }
    });
  }
});
