import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AirlockError, ERRORS, providerErrorBody, type ErrorCode } from '../src/errors.js';

test('every error code is documented in docs/errors.md with its status, and nothing else is', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const m of doc.matchAll(/^\| `(AIRLOCK_[A-Z_]+)`\s*\| (\d{3})\s*\|/gm)) rows.set(m[1]!, Number(m[2]));
  for (const [code, def] of Object.entries(ERRORS)) {
    assert.equal(
      rows.get(code),
      def.status,
      `${code} must be listed in docs/errors.md with status ${def.status}`,
    );
  }
  assert.deepEqual(
    [...rows.keys()].sort(),
    Object.keys(ERRORS).sort(),
    'docs/errors.md lists codes that do not exist',
  );
});

test('each provider gets its own error shape', () => {
  const err = new AirlockError('AIRLOCK_FOREIGN_HOST', 'evil.example');
  assert.deepEqual(providerErrorBody('anthropic', err), {
    type: 'error',
    error: { type: 'permission_error', message: err.message },
  });
  assert.deepEqual(providerErrorBody('openai', err), {
    error: { message: err.message, type: 'permission_error', param: null, code: 'AIRLOCK_FOREIGN_HOST' },
  });
  assert.deepEqual(providerErrorBody('gemini', err), {
    error: { code: 403, message: err.message, status: 'PERMISSION_DENIED' },
  });
  // A timeout in each provider's own word for it: Anthropic's 504 is a timeout_error.
  const late = new AirlockError('AIRLOCK_UPSTREAM_TIMEOUT', 'headers_ms');
  assert.equal(
    (providerErrorBody('anthropic', late) as { error: { type: string } }).error.type,
    'timeout_error',
  );
  assert.equal(
    (providerErrorBody('openai', late) as { error: { type: string } }).error.type,
    'timeout_error',
  );
  assert.equal(
    (providerErrorBody('gemini', late) as { error: { status: string } }).error.status,
    'DEADLINE_EXCEEDED',
  );
});

test('every message says what happened and leaves room for the detail', () => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const err = new AirlockError(code, 'DETAIL');
    assert.ok(err.message.includes('DETAIL'), `${code} drops its detail`);
    assert.ok(err.status >= 400 && err.status < 600);
  }
});

test("a policy block carries each provider's mark of a data-loss-prevention refusal, and is final", () => {
  for (const code of ['AIRLOCK_POLICY_BLOCKED', 'AIRLOCK_UNINSPECTED_BLOCKED'] as const) {
    const err = new AirlockError(code, 'rule secret.aws-access-key in tool_result');
    assert.equal(err.status, 403);
    assert.ok(err.final, `${code} is sent with x-should-retry: false`);
    // Claude Code shows a 403 permission_error without it as "Failed to authenticate".
    assert.deepEqual(providerErrorBody('anthropic', err), {
      type: 'error',
      error: {
        type: 'permission_error',
        message: err.message,
        details: { error_code: 'dlp_request_denied' },
      },
    });
    // Codex retries a 403 five times unless its code says an inference hook denied it.
    assert.deepEqual(providerErrorBody('openai', err), {
      error: { message: err.message, type: 'permission_error', param: null, code: 'inference_hook_denied' },
    });
    assert.deepEqual(providerErrorBody('gemini', err), {
      error: { code: 403, message: err.message, status: 'PERMISSION_DENIED' },
    });
    assert.match(err.message, /secret\.aws-access-key/);
  }
});
