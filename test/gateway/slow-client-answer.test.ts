/**
 * A client that reads its answer slowly or not at all. The gateway stops reading the upstream
 * while the client does not drain (backpressure: the upstream's send buffer fills, the gateway
 * holds no more than the socket buffers), and a client that reads nothing for
 * timeouts.send_idle_ms is cut off with its upstream request: before, it held both (and an
 * upstream generation) for as long as it kept its connection open.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway/server.js';
import {
  restoresNothing,
  startScriptedUpstream,
  type ScriptedUpstream,
} from '../helpers/scripted-upstream.js';

/** What the upstream offers: far more than the socket buffers on loopback hold. */
const OFFERED = 256 * 1024 * 1024;
const EVENT = Buffer.from(
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${'x'.repeat(4000)}"}}\n\n`,
);

describe('a client that stops reading its streamed answer', () => {
  let upstream: ScriptedUpstream;
  const gateways: Record<'raw' | 'restoring', Gateway> = {} as never;
  /** Per answer: bytes the upstream wrote, whether all of it went, and when it was closed. */
  const sent: { written: number; whole: boolean; closed: Promise<void> }[] = [];

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        const record = {
          written: 0,
          whole: false,
          closed: new Promise<void>((resolve) => res.on('close', () => resolve())),
        };
        sent.push(record);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const pump = (): void => {
          while (record.written < OFFERED && !res.destroyed) {
            record.written += EVENT.length;
            if (!res.write(EVENT)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end(() => (record.whole = true));
        };
        pump();
      });
    });
    for (const kind of ['raw', 'restoring'] as const)
      gateways[kind] = await upstream.gateway(
        { timeouts: { send_idle_ms: 500 } },
        kind === 'restoring' ? restoresNothing : undefined,
      );
  });
  after(() => upstream.close());

  for (const kind of ['raw', 'restoring'] as const) {
    test(
      `${kind}: the upstream stops being read, then the stalled client is cut off with its upstream request, recorded`,
      { timeout: 30_000 },
      async () => {
        const gw = gateways[kind];
        const body = '{"model":"m","stream":true,"messages":[]}';
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
        const record = await new Promise<(typeof sent)[number]>((resolve) => {
          const wait = (): void => void (sent.length > 0 ? resolve(sent.at(-1)!) : setImmediate(wait));
          wait();
        });
        await record.closed;
        // Read again: what the socket buffers held, then the end the gateway gave it.
        socket.resume();
        await closed;
        // Backpressure: the upstream wrote what the socket buffers hold, nowhere near what it offered.
        assert.equal(record.whole, false);
        assert.ok(record.written < OFFERED / 4, `the upstream wrote ${record.written} bytes`);
        const report = upstream.reports.at(-1)!;
        assert.equal(report.errorCode, 'AIRLOCK_CLIENT_STALLED');
        assert.equal(report.aborted, true);
        sent.length = 0;
      },
    );
  }
});
