/**
 * bytes_in says what arrived, also for a request the gateway refused or whose body broke off
 * part way: the audit row of an upload cut at 5 KB says 5 KB, not 0.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '../../src/audit/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { until } from '../helpers/until.js';

const LIMIT = 8192;

describe('bytes_in of requests that did not go through', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack(
      { script: { reply: [{ text: 'ok' }] } },
      { config: { limits: { max_body: LIMIT } } },
    );
  });
  after(() => stack.close());

  /** Sends raw bytes to the gateway; resolves with what it answered once the socket closes. */
  const raw = (bytes: string, endAfter: boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const { host, port } = stack.airlock.gateway;
      const socket = connect(port, host, () => {
        socket.write(bytes);
        if (endAfter) socket.destroy();
      });
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  const rowOf = async (path: string): Promise<AuditEvent> => {
    let row: AuditEvent | undefined;
    await until(async () => {
      await stack.airlock.recorder.flush();
      const { events } = await stack.airlock.store.query({ kind: 'request' });
      row = events.find((e) => e.path === path);
      return row !== undefined;
    }, `the audit row of ${path}`);
    return row!;
  };

  it('counts the bytes of a chunked body refused for its size', async () => {
    const chunk = 'x'.repeat(3000);
    const body =
      Array.from({ length: 5 }, () => `${(3000).toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n';
    const answer = await raw(
      'POST /anthropic/v1/messages?beta=true HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `transfer-encoding: chunked\r\nconnection: close\r\n\r\n${body}`,
      false,
    );
    assert.match(answer, /^HTTP\/1\.1 413/);
    const row = await rowOf('/v1/messages?beta=true');
    assert.equal(row.error, 'AIRLOCK_BODY_TOO_LARGE');
    assert.ok(row.bytes_in !== undefined && row.bytes_in > LIMIT, `bytes_in ${row.bytes_in}`);
  });

  it('counts the bytes of an upload that broke off', async () => {
    await raw(
      'POST /anthropic/v1/messages?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `content-length: 6000\r\n\r\n{"model":"m","messages":[{"role":"user","content":"${'y'.repeat(5000)}`,
      true,
    );
    const row = await rowOf('/v1/messages?limit=1');
    assert.equal(row.error, 'AIRLOCK_CLIENT_GONE');
    assert.ok(row.bytes_in !== undefined && row.bytes_in >= 5000, `bytes_in ${row.bytes_in}`);
  });
});
