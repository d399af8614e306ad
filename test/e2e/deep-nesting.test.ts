/**
 * A tool input or schema nested tens of thousands deep: each level made inspection dearer
 * (every leaf carries its whole path), and 40,000 levels in 240 KB ran the gateway out of
 * memory, taking every stream in flight with it. Past MAX_NESTING levels the request is refused
 * in the provider's shape, whatever on_error says, and nothing reaches the provider.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_NESTING } from '../../src/dialects/walk.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

/** `{"a":{"a":...{"a":"/home/ysolde/x"}}}`, `depth` objects deep, built as text. */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '"/home/ysolde/quincunx-ledger/x"' + '}'.repeat(depth);
}

function body(depth: number): string {
  return (
    '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[' +
    '{"role":"user","content":"hi"},' +
    `{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"probe","input":${nested(depth)}}]},` +
    '{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}'
  );
}

async function post(stack: AirlockStack, text: string) {
  const res = await fetch(`${stack.via.anthropic}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
    },
    body: text,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('deeply nested request bodies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-deep-'));
  const allow = join(dir, 'policy.yaml');
  writeFileSync(allow, 'on_error: allow\n');
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { policyFile: allow });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are inspected up to the limit', async () => {
    stack.sim.reset();
    const r = await post(stack, body(MAX_NESTING - 10));
    assert.equal(r.status, 200, r.text);
    const sent = stack.sim.received[0]?.body.toString() ?? '';
    assert.ok(
      sent.includes('/quincunx-ledger/x') && !sent.includes('/home/ysolde'),
      'inspected and rewritten',
    );
  });

  for (const depth of [MAX_NESTING + 1, 40_000]) {
    it(`are refused past it, in the provider's shape, even with on_error: allow (${depth} levels)`, async () => {
      stack.sim.reset();
      const r = await post(stack, body(depth));
      assert.equal(r.status, 400, r.text);
      assert.equal(r.headers.get('x-airlock-error'), 'AIRLOCK_TOO_DEEP');
      assert.equal(r.headers.get('x-should-retry'), 'false');
      const error = JSON.parse(r.text) as { type: string; error: { type: string; message: string } };
      assert.equal(error.type, 'error');
      assert.equal(error.error.type, 'invalid_request_error');
      assert.match(
        error.error.message,
        new RegExp(`${MAX_NESTING} levels under messages\\[1\\]\\.content\\[0\\]\\.input`),
      );
      assert.equal(stack.sim.received.length, 0, 'nothing reached the provider');
      // The gateway is still there for the next request.
      assert.equal((await post(stack, body(3))).status, 200);
    });
  }
});
