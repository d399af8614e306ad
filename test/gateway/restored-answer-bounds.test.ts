/**
 * Non-streamed JSON answers the gateway holds whole to restore their surrogates. Each is bounded
 * by limits.max_answer; all of them together by limits.max_answers_held (each takes about three
 * times its size while restored: with no bound across requests, many at once could run the
 * gateway out of memory). A large one goes to the client as it reads: before, it went in one
 * write that nothing timed, so a client that never read it held the connection and the restored
 * answer for as long as it kept the connection open.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Gateway } from '../../src/gateway/server.js';
import {
  restoresNothing,
  startScriptedUpstream,
  type ScriptedUpstream,
} from '../helpers/scripted-upstream.js';
import { until } from '../helpers/until.js';

/** An Anthropic message whose text makes it `size` bytes long. */
function message(size: number): Buffer {
  const head =
    '{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"';
  const tail =
    '"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}';
  return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
}

const MiB = 1024 * 1024;

describe('a large restored JSON answer to a client that stops reading it', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;
  /** Far more than the socket buffers on loopback hold. */
  const ANSWER = message(24 * MiB);

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length });
        res.end(ANSWER);
      });
    });
    // Room for one such answer at a time: a second one is served only once the first let go.
    gw = await upstream.gateway(
      { timeouts: { send_idle_ms: 500 }, limits: { max_answer: '32MiB', max_answers_held: '32MiB' } },
      restoresNothing,
    );
  });
  after(() => upstream.close());

  test('is sent as it is read, cut after timeouts.send_idle_ms, recorded; what it held is let go', async () => {
    const body = '{"model":"m","max_tokens":5,"messages":[]}';
    const socket = connect(gw.port, '127.0.0.1');
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      `POST /anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${body.length}\r\n\r\n${body}`,
    );
    // The first bytes, then nothing read: the client's receive buffer fills, then the gateway's.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    await until(() => upstream.reports.length > 0, 'the exchange to be reported');
    const report = upstream.reports.at(-1)!;
    assert.equal(report.errorCode, 'AIRLOCK_CLIENT_STALLED');
    assert.equal(report.aborted, true);
    assert.equal(report.status, 200);
    // What went to the socket: what its buffers took, not the whole answer.
    assert.ok(report.bytesOut < ANSWER.length / 2, `${report.bytesOut} bytes written`);
    socket.resume();
    await closed;

    // The stalled answer's part of limits.max_answers_held is free again: the same answer, read.
    const client = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'k', maxRetries: 0 });
    const answer = await client.messages.create({ model: 'm', max_tokens: 5, messages: [] });
    assert.equal(answer.id, 'msg_1');
    assert.equal(upstream.reports.at(-1)!.errorCode, undefined);
    assert.equal(upstream.reports.at(-1)!.bytesOut, ANSWER.length);
  });
});

describe('non-streamed answers to restore, together past limits.max_answers_held', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;
  /** Two of them, or three quarters of two, are more than the bound (1 MiB). */
  const ANSWER = message(900 * 1024);
  /** Answers the upstream began (three quarters sent) and holds until the test lets them end. */
  const held: { res: ServerResponse; rest: Buffer }[] = [];

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        const sized = !req.url!.includes('chunked');
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(sized ? { 'content-length': ANSWER.length } : {}),
        });
        const part = (ANSWER.length * 3) >> 2;
        res.write(ANSWER.subarray(0, part));
        held.push({ res, rest: ANSWER.subarray(part) });
      });
    });
    gw = await upstream.gateway(
      { limits: { max_answer: '1MiB', max_answers_held: '1MiB' } },
      restoresNothing,
    );
  });
  after(() => upstream.close());

  const client = () => new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'k', maxRetries: 0 });
  const ask = (path: string) =>
    client().messages.create({ model: 'm', max_tokens: 5, messages: [] }, { path } as never);

  for (const kind of ['with a content-length', 'chunked'] as const) {
    test(`${kind}: the one past the bound gets 503 AIRLOCK_ANSWERS_HELD_FULL; the first is served; then room again`, async () => {
      const path = kind === 'chunked' ? '/v1/messages?chunked' : '/v1/messages';
      held.length = 0;
      const first = ask(path);
      await until(() => held.length === 1, 'the first answer to begin');
      // Its first part has left the upstream (one with a content-length is held in full at once).
      await until(() => held[0]!.res.writableLength === 0, 'its first part to leave the upstream');
      const refused = ask(path).then(
        () => assert.fail('the second answer should be refused'),
        (e: unknown) => e,
      );
      // Refused at its headers (with a content-length) or at its first bytes past the bound: its
      // upstream request is let go.
      const err = await refused;
      assert.ok(err instanceof Anthropic.APIError, String(err));
      assert.equal(err.status, 503);
      assert.match(err.message, /overloaded_error/);
      assert.match(err.message, /limits\.max_answers_held/);
      assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_ANSWERS_HELD_FULL');
      await until(() => held[1]!.res.destroyed, 'the upstream request of the refused answer to be closed');

      held[0]!.res.end(held[0]!.rest);
      const answer = await first;
      assert.equal(answer.id, 'msg_1');
      // Given back: the next one fits.
      const third = ask(path);
      await until(() => held.length === 3, 'the third answer to begin');
      const last = held.at(-1)!;
      last.res.end(last.rest);
      assert.equal((await third).id, 'msg_1');
    });
  }
});
