/**
 * The gateway with its audit store down until the spool is full: under `on_spool_full: block`
 * the refused requests are counted, not recorded, so the spool stays at spool_max; under `allow`
 * dropped events show in /metrics and in one warning, not one per event. The recorder's health
 * (store errors, spilling, spool) is on /metrics in both.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { postAnthropicMessages } from '../helpers/stack.js';
import { until } from '../helpers/until.js';
import { CuttablePg, PG_URL, uniqueSchema } from './helpers.js';

function spoolFileBytes(dataDir: string): number {
  const dir = join(dataDir, 'audit-spool');
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

const ask = (stack: AirlockStack, i: number) =>
  postAnthropicMessages(stack.via, {
    model: `spool-full-${i}`,
    max_tokens: 5,
    messages: [{ role: 'user', content: 'hello' }],
  }).then(async (res) => {
    await res.text();
    return res.status;
  });

async function metrics(stack: AirlockStack): Promise<Map<string, number>> {
  const text = await (await fetch(`${stack.airlock.gateway.url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(airlock_audit_\w+) (\S+)$/.exec(line);
    if (m) values.set(m[1]!, Number(m[2]));
  }
  return values;
}

describe('a full audit spool at the gateway', { timeout: 120_000 }, () => {
  const schema = uniqueSchema();
  const pg = new CuttablePg();
  let admin: PostgresAuditStore;
  before(async () => {
    admin = new PostgresAuditStore({ url: PG_URL, schema });
    await admin.init();
  });
  after(async () => {
    await admin.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.close();
  });

  async function fillSpool(
    onSpoolFull: 'block' | 'allow',
    logger?: pino.Logger,
  ): Promise<{ stack: AirlockStack; full: () => boolean }> {
    await pg.start();
    const stack = await startAirlockStack(
      { script: { reply: [{ text: 'ok' }] } },
      {
        config: {
          audit: {
            store: `postgres://postgres@127.0.0.1:${pg.port}/test?schema=${schema}`,
            spool_max: '8KiB',
            on_spool_full: onSpoolFull,
          },
        },
        ...(logger ? { logger } : {}),
      },
    );
    await pg.stop();
    const { recorder } = stack.airlock;
    await until(async () => {
      await ask(stack, 0);
      return recorder.stats().spoolBytes >= 8 * 1024;
    }, 'the spool to fill');
    return { stack, full: () => recorder.stats().spoolBytes >= 8 * 1024 };
  }

  async function drainAndClose(stack: AirlockStack): Promise<void> {
    await pg.start();
    const { recorder } = stack.airlock;
    await until(() => recorder.stats().queueDepth === 0 && !recorder.stats().spilling, 'the spool to drain');
    await stack.close();
    await pg.stop();
  }

  it('refuses with 503 without recording the refusals (block)', async () => {
    const { stack } = await fillSpool('block');
    try {
      const { recorder } = stack.airlock;
      assert.equal(await ask(stack, 1), 503);
      const bytes = recorder.stats().spoolBytes;
      const onDisk = spoolFileBytes(stack.dataDir);
      const recorded = recorder.stats().recorded;
      for (let i = 2; i <= 21; i++) assert.equal(await ask(stack, i), 503);
      assert.equal(recorder.stats().spoolBytes, bytes, 'refused requests do not grow the spool');
      assert.equal(spoolFileBytes(stack.dataDir), onDisk);
      assert.equal(recorder.stats().recorded, recorded);
      assert.ok(recorder.stats().refused >= 21, String(recorder.stats().refused));
      // Counted once the answer is out (setImmediate): read when it shows.
      await until(
        async () => ((await metrics(stack)).get('airlock_audit_refused_total') ?? 0) >= 21,
        'the count',
      );
      const m = await metrics(stack);
      assert.equal(m.get('airlock_audit_spilling'), 1);
      assert.ok((m.get('airlock_audit_store_errors_total') ?? 0) > 0);
      assert.equal(m.get('airlock_audit_spool_bytes'), bytes);
      assert.equal(m.get('airlock_audit_dropped_total'), 0);
      assert.ok(m.has('airlock_audit_spool_depth'));

      // The egress proxy takes no new connection either: nothing leaves that the log could
      // not record, and its refusals are counted, not spooled.
      const egress = stack.airlock.egress;
      assert.ok(egress);
      const refused = recorder.stats().refused;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(egress.port, '127.0.0.1', () =>
          socket.write(`CONNECT 127.0.0.1:${pg.port} HTTP/1.1\r\nHost: 127.0.0.1:${pg.port}\r\n\r\n`),
        );
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /audit spool in .* is full/);
      egress.flushEvents();
      assert.equal(recorder.stats().refused, refused + 1);
      assert.equal(recorder.stats().spoolBytes, bytes, 'the refused tunnel does not grow the spool');
    } finally {
      await drainAndClose(stack);
    }
  });

  it('counts dropped events in /metrics and warns once, not per event (allow)', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as never);
        done();
      },
    });
    const { stack } = await fillSpool('allow', pino({ level: 'warn' }, sink));
    try {
      for (let i = 1; i <= 10; i++) assert.equal(await ask(stack, i), 200);
      const dropped = stack.airlock.recorder.stats().dropped;
      assert.ok(dropped >= 10, String(dropped));
      assert.equal((await metrics(stack)).get('airlock_audit_dropped_total'), dropped);
      const warnings = lines.filter((l) => /dropped/.test(l.msg));
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(warnings[0]!.msg, /1 audit event dropped: the audit spool is full/);
    } finally {
      await drainAndClose(stack);
    }
  });
});
