/** What the running gateway writes to the audit log: one event per request, never a raw value. */
import assert from 'node:assert/strict';
import { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { startAirlockStack } from '../helpers/airlock-stack.js';

test('a pseudonymized request is audited with its findings, a forensic copy of what left, and no raw value', async () => {
  const stack = await startAirlockStack(
    { script: { reply: [{ text: 'ok' }] } },
    { config: { audit: { store: 'sqlite', forensic: { max_bytes: '64KiB' } } } },
  );
  const planted = ['/home/ysolde/work/quincunx-ledger', 'AKIAZ7QK3M2N4P5R6T7V'];
  try {
    const res = await fetch(`${stack.via.anthropic}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-api-key': 'sk-ant-secret-key',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        system: `Primary working directory: ${planted[0]}`,
        messages: [{ role: 'user', content: `deploy with ${planted[1]}` }],
      }),
    });
    assert.equal(res.status, 200);
    await res.text();
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request' });
    assert.equal(events.length, 1);
    const event = events[0]!;
    assert.equal(event.decision, 'pseudonymize');
    assert.equal(event.status, 200);
    assert.ok(event.findings.some((f) => f.category === 'secret'));
    assert.ok(event.findings.some((f) => f.category === 'environment'));
    const stored = JSON.stringify(event);
    for (const value of [...planted, 'sk-ant-secret-key'])
      assert.ok(!stored.includes(value), `raw value in the audit log`);
    assert.ok(event.forensic, 'the body that left is kept');
    assert.equal(event.forensic.truncated, false);
    assert.match(event.forensic.body, /Primary working directory: \/home\/user\//);
  } finally {
    await stack.close();
  }
});

test('with durability spool every exchange is recorded before its answer ends; with memory it may follow', async () => {
  for (const durability of ['spool', 'memory'] as const) {
    // Paced, so that the requests sent together below are all in flight at once.
    const stack = await startAirlockStack(
      { script: { reply: [{ text: 'ok, done' }], pacingMs: 20 } },
      { config: { audit: { store: 'sqlite', durability } } },
    );
    const { recorder } = stack.airlock;
    // What the recorder had recorded at the moment the gateway ended each provider answer.
    const recordedAtEnd: number[] = [];
    const end = ServerResponse.prototype.end;
    ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
      if (this.req?.url?.startsWith('/anthropic/v1/messages')) recordedAtEnd.push(recorder.stats().recorded);
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof end;
    // Which way each exchange was recorded: at once (alone in flight) or with a grouped write.
    const ways = { record: 0, recordGrouped: 0 };
    const { record, recordGrouped } = recorder;
    recorder.record = (input) => (ways.record++, record.call(recorder, input));
    recorder.recordGrouped = (input) => (ways.recordGrouped++, recordGrouped.call(recorder, input));
    const ask = async (i: number) => {
      const res = await fetch(`${stack.via.anthropic}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'x-api-key': 'sk-ant-test',
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          stream: true,
          messages: [{ role: 'user', content: `request ${i}` }],
        }),
      });
      assert.equal(res.status, 200);
      await res.text();
    };
    try {
      for (let i = 0; i < 3; i++) await ask(i);
      if (durability === 'spool') assert.deepEqual(ways, { record: 3, recordGrouped: 0 });
      await Promise.all([3, 4, 5, 6].map(ask));
    } finally {
      ServerResponse.prototype.end = end;
      await stack.close();
    }
    if (durability === 'spool') {
      // Each answer ended after its own record and every one before it.
      assert.deepEqual(recordedAtEnd.slice(0, 3), [1, 2, 3]);
      for (const [k, n] of recordedAtEnd.entries())
        assert.ok(n >= k + 1, `answer ${k + 1} ended at ${n} records`);
      // The first of the four to end had others in flight (grouped); the last one was alone.
      assert.ok(ways.recordGrouped >= 1 && ways.record >= 4, JSON.stringify(ways));
      assert.equal(ways.record + ways.recordGrouped, 7);
    } else assert.equal(recordedAtEnd.length, 7);
  }
});
