/**
 * timeouts.queue_ms: a request past limits.max_upstream_connections waits in the gateway's line
 * for a free connection (undici's own pool queue has no timeout). Past queue_ms it is answered 503
 * AIRLOCK_UPSTREAM_QUEUE_TIMEOUT in the provider's shape (with `retry-after`), audited and
 * counted, nothing of it sent, and leaves the line at once. One whose connection comes free in
 * time goes as before; one whose client leaves leaves the line at once too.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Exchange } from '../../src/gateway/exchange.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { createMetrics, type Metrics } from '../../src/metrics/index.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/scripted-upstream.js';
import { testConfig } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const EVENT = 'event: ping\ndata: {"type":"ping"}\n\n';

describe('timeouts.queue_ms: the wait for a free upstream connection', () => {
  let upstream: ScriptedUpstream;
  /** Streams the upstream began and holds open until the test ends them. */
  const streams: ServerResponse[] = [];
  /** The paths of the requests that reached the upstream, and the connections they came on. */
  const arrived: string[] = [];
  const upstreamSockets = new Set<unknown>();
  /** `break`: the upstream closes the connection of the next request instead of answering. */
  let mode: 'hold' | 'break' = 'hold';

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      upstreamSockets.add(req.socket);
      arrived.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        if (mode === 'break') {
          mode = 'hold';
          req.socket.destroy();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(EVENT);
        streams.push(res);
      });
    });
  });
  after(() => upstream.close());
  beforeEach(() => {
    streams.length = 0;
    arrived.length = 0;
    upstreamSockets.clear();
    mode = 'hold';
  });

  /** A gateway with one connection per upstream origin, its exchanges in `reports` and metrics. */
  async function gateway(queueMs: number): Promise<{ gw: Gateway; reports: Exchange[]; metrics: Metrics }> {
    const reports: Exchange[] = [];
    const metrics = createMetrics({ gatewayStats: () => gw.stats() });
    const gw: Gateway = await startGateway({
      config: testConfig(
        { limits: { max_upstream_connections: 1 }, timeouts: { queue_ms: queueMs } },
        upstream.url,
      ),
      routes: [metrics.route],
      onExchange: (ex) => {
        reports.push(ex);
        metrics.observe(ex);
      },
    });
    return { gw, reports, metrics };
  }

  function anthropic(gw: Gateway, signal?: AbortSignal): Promise<Response> {
    return fetch(`${gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, max_tokens: 1, messages: [] }),
      signal,
    });
  }

  /** The first request, its stream begun: it holds the only connection until the test ends it. */
  async function holdTheConnection(gw: Gateway): Promise<Response> {
    const first = await anthropic(gw);
    assert.equal(first.status, 200);
    await until(() => streams.length === 1, 'the first stream to begin');
    return first;
  }

  test('a request that waits past it gets a 503 in its provider shape, audited and counted; nothing of it leaves', async () => {
    const { gw, reports, metrics } = await gateway(300);
    try {
      const first = await holdTheConnection(gw);
      // Two more wait for the only connection, one of them in OpenAI's dialect (same origin).
      const queued = anthropic(gw);
      const queuedOpenai = fetch(`${gw.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const [late, lateOpenai] = await Promise.all([queued, queuedOpenai]);

      assert.equal(late.status, 503);
      assert.equal(late.headers.get('x-airlock-error'), 'AIRLOCK_UPSTREAM_QUEUE_TIMEOUT');
      assert.equal(late.headers.get('retry-after'), '5');
      assert.equal(late.headers.get('x-should-retry'), null);
      const body = (await late.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'overloaded_error');
      assert.match(body.error.message, /timeouts\.queue_ms 300/);
      assert.match(body.error.message, /limits\.max_upstream_connections 1\b/);

      assert.equal(lateOpenai.status, 503);
      const openaiBody = (await lateOpenai.json()) as { error: { type: string; code: string } };
      assert.equal(openaiBody.error.type, 'server_error');
      assert.equal(openaiBody.error.code, 'AIRLOCK_UPSTREAM_QUEUE_TIMEOUT');

      // Both left the line at once (the first still holds the connection).
      assert.equal(gw.stats().upstreamQueued, 0);
      assert.equal(streams.length, 1);

      // Audited as the gateway's error, as a request that did not leave.
      await until(() => reports.length === 2, 'both to be reported');
      for (const ex of reports) {
        assert.equal(ex.status, 503);
        assert.equal(ex.decision, 'error');
        assert.equal(ex.errorCode, 'AIRLOCK_UPSTREAM_QUEUE_TIMEOUT');
        assert.equal(ex.forwarded, false);
      }
      assert.match(
        metrics.render(),
        /^airlock_upstream_errors_total\{provider="anthropic",code="AIRLOCK_UPSTREAM_QUEUE_TIMEOUT"\} 1$/m,
      );
      assert.match(
        metrics.render(),
        /^airlock_upstream_errors_total\{provider="openai",code="AIRLOCK_UPSTREAM_QUEUE_TIMEOUT"\} 1$/m,
      );

      // The first answer ends: the two given up on are not sent then either, and the next request
      // goes on the same connection.
      streams[0]!.end();
      assert.match(await first.text(), /event: ping/);
      const next = await anthropic(gw);
      assert.equal(next.status, 200);
      await until(() => streams.length === 2, 'the next stream to begin');
      streams[1]!.end();
      await next.text();
      assert.equal(
        arrived.length,
        2,
        `only the first and the next reach the upstream: ${arrived.join(', ')}`,
      );
      assert.equal(upstreamSockets.size, 1, 'all on one connection');
    } finally {
      await gw.close(200);
    }
  });

  test('a request whose connection comes free in time is answered as before', async () => {
    // Long enough never to fire here: the wait ends with the first answer, which the test ends.
    const { gw, reports } = await gateway(60_000);
    try {
      const first = await holdTheConnection(gw);
      const queued = anthropic(gw);
      await until(() => gw.stats().upstreamQueued === 1, 'the second request to wait');
      streams[0]!.end();
      await first.text();
      const second = await queued;
      assert.equal(second.status, 200);
      await until(() => streams.length === 2, 'the second stream to begin');
      streams[1]!.end();
      assert.match(await second.text(), /event: ping/);
      await until(() => reports.length === 2, 'both to be reported');
      assert.deepEqual(
        reports.map((ex) => [ex.status, ex.errorCode, ex.forwarded]),
        [
          [200, undefined, true],
          [200, undefined, true],
        ],
      );
      assert.equal(upstreamSockets.size, 1);
    } finally {
      await gw.close(200);
    }
  });

  test('a client that leaves while its request waits is reported at once; its request is dropped unsent', async () => {
    const { gw, reports } = await gateway(60_000);
    try {
      const first = await holdTheConnection(gw);
      const leaving = new AbortController();
      const queued = anthropic(gw, leaving.signal).catch((err: unknown) => err);
      await until(() => gw.stats().upstreamQueued === 1, 'the second request to wait');
      leaving.abort();
      assert.equal(((await queued) as Error).name, 'AbortError');
      await until(() => reports.length === 1, 'the leaving client to be reported');
      assert.equal(reports[0]!.errorCode, 'AIRLOCK_CLIENT_GONE');
      assert.equal(reports[0]!.status, 0);
      assert.equal(reports[0]!.forwarded, false);
      // Out of the line at once, while the first still holds the connection.
      await until(() => gw.stats().upstreamQueued === 0, 'it to leave the line');

      // Never sent, once the connection is free either; the next request goes on it.
      streams[0]!.end();
      await first.text();
      const next = await anthropic(gw);
      assert.equal(next.status, 200);
      await until(() => streams.length === 2, 'the next stream to begin');
      streams[1]!.end();
      await next.text();
      assert.equal(arrived.length, 2);
      assert.equal(upstreamSockets.size, 1);
    } finally {
      await gw.close(200);
    }
  });

  test('a request gives its turn back however it ends: answered, broken off, its client gone mid-answer, the upstream unreachable', async () => {
    // Long enough never to fire here: a turn never given back would make the next request wait
    // that long and get a 503.
    const { gw } = await gateway(10_000);
    try {
      // The upstream closes the connection instead of answering: a 502, and the turn is free.
      mode = 'break';
      const broken = await anthropic(gw);
      assert.equal(broken.status, 502);
      await broken.text();
      // A client that leaves mid-answer: its upstream request is closed, and the turn is free.
      const leaving = new AbortController();
      const cut = await anthropic(gw, leaving.signal);
      assert.equal(cut.status, 200);
      await until(() => streams.length === 1, 'the stream to begin');
      leaving.abort();
      await until(() => streams[0]!.destroyed, 'the upstream request to be closed');
      // The next request has the connection, answered to its end.
      const next = await anthropic(gw);
      assert.equal(next.status, 200);
      await until(() => streams.length === 2, 'the next stream to begin');
      streams[1]!.end();
      assert.match(await next.text(), /event: ping/);
      const last = await anthropic(gw);
      assert.equal(last.status, 200);
      await until(() => streams.length === 3, 'the last stream to begin');
      streams[2]!.end();
      await last.text();
    } finally {
      await gw.close(200);
    }
  });
});

test('a request to an upstream that cannot be reached gives its turn back', async () => {
  // Port 9 (discard) on loopback: nothing listens, the connect is refused at once.
  const gw = await startGateway({
    config: testConfig({ limits: { max_upstream_connections: 1 }, timeouts: { queue_ms: 10_000 } }),
  });
  try {
    for (let n = 0; n < 3; n++) {
      const res = await fetch(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"m","messages":[]}',
      });
      assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_UPSTREAM_UNREACHABLE');
      await res.text();
    }
  } finally {
    await gw.close(200);
  }
});
