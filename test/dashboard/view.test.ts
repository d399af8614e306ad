/** The request detail's "what left in place" column, by action, mode and whether it was sent. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../../src/audit/types.js';
import { detail, summarize } from '../../src/dashboard/view.js';

function event(mode: string, decision: string): AuditEvent {
  const finding = (ruleId: string, action: 'block' | 'pseudonymize' | 'audit') => ({
    ruleId,
    category: 'secret' as const,
    severity: 'critical' as const,
    role: 'user' as const,
    path: '$.messages[0].content',
    action,
    valueHash: 'h',
    preview: '-----BEGIN…',
  });
  return {
    id: '01J',
    instance: 'i',
    seq: 1,
    prev_hash: 'p',
    hash: 'h',
    time: '2026-11-27T00:00:00.000Z',
    kind: 'request',
    client: { agent: 'claude-code' },
    decision,
    mode,
    status: decision === 'block' ? 403 : 200,
    bytes_in: 1,
    bytes_out: 1,
    latency_ms: { total: 1 },
    findings: [
      finding('secret.private-key', 'block'),
      finding('env.home-path', 'pseudonymize'),
      finding('x', 'audit'),
    ],
  } as AuditEvent;
}

describe('request detail', () => {
  it('in monitor mode every value left unchanged, with what enforce would have done', () => {
    const d = detail(event('monitor', 'forward'));
    assert.equal(d.forwarded, true);
    assert.deepEqual(
      d.segments[0]?.findings.map((f) => f.left),
      [
        '-----BEGIN… (unchanged: monitor mode; enforce would block)',
        '-----BEGIN… (unchanged: monitor mode; enforce would pseudonymize)',
        '-----BEGIN… (unchanged)',
      ],
    );
  });

  it('in enforce mode: what replaced each value, or nothing sent for a blocked request', () => {
    assert.deepEqual(
      detail(event('enforce', 'block')).segments[0]?.findings.map((f) => f.left),
      Array(3).fill('(not sent: request blocked)'),
    );
    const sent = event('enforce', 'pseudonymize');
    sent.findings = sent.findings.slice(1);
    assert.deepEqual(
      detail(sent).segments[0]?.findings.map((f) => f.left),
      ['«surrogate of the same shape»', '-----BEGIN… (unchanged)'],
    );
  });

  it('a request that failed is not called blocked: what would have left, if it was sent', () => {
    assert.deepEqual(
      detail(event('enforce', 'error')).segments[0]?.findings.map((f) => f.left),
      [
        '(not sent: request blocked)',
        '«surrogate of the same shape» — if it was sent before the request failed',
        '-----BEGIN… (unchanged) — if it was sent before the request failed',
      ],
    );
  });
});

describe('event summary', () => {
  it('lists every rule, the most severe first: the live feed filters pushed events on it', () => {
    const e = event('enforce', 'pseudonymize');
    const env = (ruleId: string) => ({
      ...e.findings[1]!,
      ruleId,
      category: 'environment' as const,
      severity: 'low' as const,
    });
    e.findings = [
      ...['env.a', 'env.b', 'env.c', 'env.d', 'env.e'].flatMap((r) => [env(r), env(r)]),
      { ...e.findings[0]!, ruleId: 'secret.github-token' },
      env('env.f'),
    ];
    assert.deepEqual(summarize(e).rules, [
      'secret.github-token',
      'env.a',
      'env.b',
      'env.c',
      'env.d',
      'env.e',
      'env.f',
    ]);
  });

  it('counts the parts sent uninspected, and says nothing when there were none', () => {
    const e = event('enforce', 'forward');
    assert.equal('uninspected' in summarize(e), false);
    e.uninspected = [
      { field: 'file', type: 'application/pdf', bytes: 3000, name: 'sca…df' },
      { field: 'image', type: 'image/png', bytes: 90 },
    ];
    assert.equal(summarize(e).uninspected, 2);
  });
});
