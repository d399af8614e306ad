/**
 * The web guard's refusals go to the audit log at most REFUSALS_PER_MINUTE a minute: a web page
 * that makes a browser send them in a loop must not fill the spool. Past the bound, the log says
 * so once that minute; the next minute records again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEventInput } from '../../src/audit/event.js';
import { REFUSALS_PER_MINUTE, refusalAudit } from '../../src/audit/refusals.js';
import type { RefusedRequest } from '../../src/gateway/refused.js';

const refused = (time: number): RefusedRequest => ({
  time,
  method: 'POST',
  path: '/v1/messages',
  provider: 'anthropic',
  userAgent: 'Mozilla/5.0',
  status: 403,
  code: 'AIRLOCK_FROM_WEB_PAGE',
});

test('a flood of refusals: the first of each minute recorded, the rest said once in the log', () => {
  let now = 1_000_000;
  const recorded: AuditEventInput[] = [];
  const skipped: string[] = [];
  const audit = refusalAudit({
    record: (input) => recorded.push(input),
    what: 'requests from web pages refused',
    onSkipped: (message) => skipped.push(message),
    now: () => now,
  });
  for (let i = 0; i < 3 * REFUSALS_PER_MINUTE; i++) audit(refused(now));
  assert.equal(recorded.length, REFUSALS_PER_MINUTE);
  assert.equal(skipped.length, 1);
  assert.match(
    skipped[0] ?? '',
    /more than 60 requests from web pages refused within a minute \(AIRLOCK_FROM_WEB_PAGE\).*airlock_refused_requests_total/,
  );

  now += 59_999;
  audit(refused(now));
  assert.equal(recorded.length, REFUSALS_PER_MINUTE, 'still the same minute');
  now += 1;
  for (let i = 0; i < 2 * REFUSALS_PER_MINUTE; i++) audit(refused(now));
  assert.equal(recorded.length, 2 * REFUSALS_PER_MINUTE, 'the next minute records again');
  assert.equal(skipped.length, 2);
});

test('a refusal as an audit event: blocked, its error code the reason, nothing read of it', () => {
  const recorded: AuditEventInput[] = [];
  refusalAudit({ record: (input) => recorded.push(input), what: 'x', onSkipped: () => {} })(refused(42));
  assert.deepEqual(recorded, [
    {
      time: 42,
      kind: 'request',
      userAgent: 'Mozilla/5.0',
      provider: 'anthropic',
      method: 'POST',
      path: '/v1/messages',
      status: 403,
      latency_ms: { total: 0 },
      bytes_in: 0,
      bytes_out: 0,
      decision: 'block',
      error: 'AIRLOCK_FROM_WEB_PAGE',
    },
  ]);
});

test("a request to no route is the client's error, not a block", () => {
  const recorded: AuditEventInput[] = [];
  refusalAudit({ record: (input) => recorded.push(input), what: 'x', onSkipped: () => {} })({
    ...refused(7),
    method: 'POST',
    path: '/v1/messages?beta=true',
    provider: undefined,
    status: 404,
    code: 'AIRLOCK_UNKNOWN_ROUTE',
  });
  assert.deepEqual(
    recorded.map((e) => [e.decision, e.error, e.status, e.path, e.provider]),
    [['error', 'AIRLOCK_UNKNOWN_ROUTE', 404, '/v1/messages?beta=true', undefined]],
  );
});
