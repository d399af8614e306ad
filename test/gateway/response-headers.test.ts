/** What of an upstream's answer headers reaches the client. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientResponseHeaders } from '../../src/gateway/headers.js';

test("an upstream's CORS grants and cookies stop at the gateway; its API headers pass", () => {
  const out = clientResponseHeaders(
    {
      'content-type': 'application/json',
      'request-id': 'req_123',
      'anthropic-ratelimit-requests-remaining': '49',
      'retry-after': '3',
      'set-cookie': ['__cf_bm=abc; path=/; HttpOnly', 'other=1'],
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      connection: 'keep-alive',
    },
    { bodyRewritten: false },
  );
  assert.deepEqual(out, {
    'content-type': 'application/json',
    'request-id': 'req_123',
    'anthropic-ratelimit-requests-remaining': '49',
    'retry-after': '3',
  });
});
