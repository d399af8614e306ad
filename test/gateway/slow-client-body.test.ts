/**
 * A client that sends its headers and part of its body, then nothing: node:http's requestTimeout
 * is off in the gateway (a large body may take long to arrive), so before timeouts.body_idle_ms
 * such a request held its connection, what it had sent (up to limits.max_body), and, for a body
 * forwarded while it arrived, an upstream connection, for as long as the client stayed. Now it
 * is answered 408 AIRLOCK_BODY_TIMEOUT in the provider's shape, recorded, and its upstream
 * request breaks off. A client that keeps sending, however slowly, is never cut.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { STREAM_BODY_FROM } from '../../src/gateway/streamed-body.js';
import type { Gateway } from '../../src/gateway/server.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.js';

const IDLE_MS = 400;

/** Sends `head` and `parts` (each after `gapMs`), and reads the answer until the gateway closes. */
function exchange(port: number, head: string, parts: Buffer[], gapMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('end', () => {
      socket.destroy();
      resolve(answer);
    });
    socket.on('error', reject);
    socket.write(head);
    let i = 0;
    const next = (): void => {
      if (i >= parts.length || socket.destroyed) return;
      socket.write(parts[i++]!);
      setTimeout(next, gapMs);
    };
    next();
  });
}

function post(path: string, length: number): string {
  return (
    `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
    `anthropic-version: 2023-06-01\r\nx-api-key: k\r\ncontent-length: ${length}\r\n\r\n`
  );
}

/** A JSON body of `size` bytes: `{"model":"m","pad":"   ..."}`. */
function jsonBody(size: number): Buffer {
  const open = '{"model":"m","messages":[],"pad":"';
  return Buffer.from(open + ' '.repeat(size - open.length - 2) + '"}');
}

describe('a request body that stops arriving', () => {
  let upstream: ScriptedUpstream;
  /** Upstream requests as they arrived, and whether each body came whole. */
  const arrived: { req: IncomingMessage; closed: Promise<boolean> }[] = [];
  let gw: Gateway;

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      const closed = new Promise<boolean>((resolve) => {
        req.on('close', () => resolve(req.complete));
        req.resume();
      });
      arrived.push({ req, closed });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"m","type":"message","content":[]}');
      });
    });
    gw = await upstream.gateway({ timeouts: { body_idle_ms: IDLE_MS } });
  });
  after(() => upstream.close());

  test(
    'a small body read whole: 408 in the provider shape, recorded, nothing sent upstream',
    { timeout: 10_000 },
    async () => {
      const before = arrived.length;
      const body = jsonBody(2000);
      const answer = await exchange(gw.port, post('/anthropic/v1/messages', body.length), [
        body.subarray(0, 700),
      ]);
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /x-airlock-error: AIRLOCK_BODY_TIMEOUT/);
      assert.match(answer, /connection: close/i);
      const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
        type: string;
        error: { type: string; message: string };
      };
      assert.equal(json.type, 'error');
      assert.equal(json.error.type, 'timeout_error');
      assert.match(json.error.message, /timeouts\.body_idle_ms/);
      assert.equal(arrived.length, before);
      const report = upstream.reports.at(-1)!;
      assert.equal(report.errorCode, 'AIRLOCK_BODY_TIMEOUT');
      assert.equal(report.status, 408);
      assert.equal(report.bytesIn, 700);
    },
  );

  test(
    'a large body forwarded while it arrives: 408 to the client, the upstream request breaks off',
    { timeout: 10_000 },
    async () => {
      const before = arrived.length;
      const body = jsonBody(STREAM_BODY_FROM + 64 * 1024);
      const answer = await exchange(gw.port, post('/openai/v1/chat/completions', body.length), [
        body.subarray(0, STREAM_BODY_FROM),
      ]);
      assert.match(answer, /^HTTP\/1\.1 408 /);
      const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
        error: { code: string; type: string };
      };
      assert.equal(json.error.code, 'AIRLOCK_BODY_TIMEOUT');
      // The upstream had the request begin, and saw it end before its body did.
      assert.equal(arrived.length, before + 1);
      assert.equal(await arrived.at(-1)!.closed, false);
      assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_BODY_TIMEOUT');
    },
  );

  test(
    'a body that keeps coming, each part well within the limit, is never cut however long it takes',
    { timeout: 10_000 },
    async () => {
      const body = jsonBody(4000);
      const parts: Buffer[] = [];
      for (let at = 0; at < body.length; at += 200) parts.push(body.subarray(at, at + 200));
      // 20 parts, 60 ms apart: longer than body_idle_ms in all, never that long silent.
      const answer = await exchange(
        gw.port,
        post('/anthropic/v1/messages', body.length).replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n'),
        parts,
        IDLE_MS / 7,
      );
      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.equal(upstream.reports.at(-1)!.errorCode, undefined);
    },
  );
});
