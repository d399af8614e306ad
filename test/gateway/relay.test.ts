/**
 * Relaying answers: byte-exact under backpressure (a client that reads slowly), the exchange
 * recorded before the answer ends (write-ahead; a gateway killed while recording has not given
 * the whole answer away), and the restoring paths (SSE event by event,
 * JSON whole) with their limits and failures.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, createGzip, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { Exchange } from '../../src/gateway/exchange.js';
import type { Inspector, Restorer } from '../../src/gateway/inspector.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { testConfig } from '../helpers/stack.js';

/** 8 MiB of varied bytes: more than any socket buffer, so the gateway must wait for drains. */
const BIG = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 13)) & 0xff;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** SSE events whose data carries `SECRET`, which the test restorer turns into `secret`. */
const EVENTS = Array.from(
  { length: 4000 },
  (_, i) => `event: delta\ndata: {"i":${i},"text":"SECRET ${'x'.repeat(200)}"}\n\n`,
);

let headersArrived!: () => void;
const clientHasHeaders = new Promise<void>((r) => (headersArrived = r));
let firstEventArrived!: () => void;
const clientHasFirstEvent = new Promise<void>((r) => (firstEventArrived = r));
let upstream: Server;
let upstreamUrl: string;
const brokenOff: ServerResponse[] = [];
/** Answers of `case=held` requests, sent by calling them; `heldArrived` fires as each comes in. */
const heldAnswers: (() => void)[] = [];
let heldArrived: (() => void) | undefined;

before(async () => {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const kind = url.searchParams.get('case');
      if (kind === 'big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG.length });
        // In pieces, so that the gateway sees many chunks.
        for (let at = 0; at < BIG.length; at += 100_000) res.write(BIG.subarray(at, at + 100_000));
        res.end();
      } else if (kind === 'sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const ev of EVENTS) res.write(ev);
        // The last event is split and unterminated: the parser holds it until the end.
        res.end('event: delta\ndata: {"text":"SEC');
      } else if (kind === 'sse-sized') {
        // An SSE answer with a content-length (a buffering proxy upstream sends one).
        const body = EVENTS.slice(0, 3).join('');
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      } else if (kind === 'json') {
        const body = JSON.stringify({
          text: 'SECRET',
          pad: 'y'.repeat(Number(url.searchParams.get('pad') ?? 0)),
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else if (kind === 'sse-late') {
        // Headers now, the first event only once the client has the headers.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        void clientHasHeaders.then(() => res.end('data: {"late":true}\n\n'));
      } else if (
        kind === 'gzip-json' ||
        kind === 'br-json' ||
        kind === 'bad-gzip-json' ||
        kind === 'gzip-big-json'
      ) {
        // Compressed although the gateway asked for identity (a relay that always does).
        const plain = JSON.stringify({
          text: 'SECRET',
          n: 1,
          pad: kind === 'gzip-big-json' ? 'y'.repeat(100_000) : undefined,
        });
        const body =
          kind === 'br-json'
            ? brotliCompressSync(plain)
            : kind === 'bad-gzip-json'
              ? Buffer.from('not gzip at all')
              : gzipSync(plain);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': kind === 'br-json' ? 'br' : 'gzip',
          'content-length': body.length,
        });
        res.end(body);
      } else if (kind === 'gzip-sse-live' || kind === 'gzip-sse-whole' || kind === 'bad-gzip-sse') {
        // A compressed stream flushed event by event (gzip's sync flush, as compressing servers
        // do for SSE); -live sends the rest only once the client has the first event restored.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        if (kind === 'bad-gzip-sse') {
          const head = gzipSync(EVENTS[0]!).subarray(0, 30);
          res.write(head);
          setTimeout(() => res.end(Buffer.from('this is not the rest of a gzip stream')), 20);
          return;
        }
        const gzip = createGzip();
        gzip.pipe(res);
        gzip.write(EVENTS[0]!);
        gzip.flush(zlibConstants.Z_SYNC_FLUSH, () => {
          const rest = () => {
            for (const ev of EVENTS.slice(1)) gzip.write(ev);
            gzip.end();
          };
          if (kind === 'gzip-sse-live') void clientHasFirstEvent.then(rest);
          else rest();
        });
      } else if (kind === 'compress-sse') {
        // A coding the gateway cannot undo.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'compress' });
        res.end('compressed, supposedly');
      } else if (kind === 'held') {
        // Answered when the test says so: exchanges in flight together.
        heldAnswers.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
        heldArrived?.();
      } else if (kind === 'slow') {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 100);
      } else if (kind === 'short') {
        // Ends cleanly, short of its content-length.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write('{"partial":', () => res.socket?.end());
      } else if (kind === 'broken') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write('{"partial":');
        brokenOff.push(res);
        setTimeout(() => res.destroy(), 50);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => upstream.close(() => r())));

/** Restores `SECRET` → `secret` in every SSE event and JSON answer; the tail gets a marker. */
const restoring: Inspector = {
  inspect: () => {
    const restorer: Restorer = {
      json(answer) {
        (answer as { text: string }).text = 'secret';
      },
      stream() {
        return {
          event: (ev) => Buffer.from(ev.raw.toString('utf8').replace('SECRET', 'secret')),
          end: () => Buffer.from(': end\n\n'),
        };
      },
    };
    return { action: 'forward', restorer, summary: { findings: [], mode: 'test' } };
  },
};

/** POSTs through the gateway and reads the answer slowly: a pause every 64 KiB. */
function slowPost(
  gw: Gateway,
  path: string,
  order: string[] = [],
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}/anthropic${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let sinceBreak = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        sinceBreak += c.length;
        if (sinceBreak > 64 * 1024) {
          sinceBreak = 0;
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('end', () => {
        order.push('client end');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'm', messages: [] }));
  });
}

describe('relay without restoring', () => {
  let gw: Gateway;
  const order: string[] = [];
  const exchanges: Exchange[] = [];
  before(async () => {
    gw = await startGateway({
      config: testConfig({}, upstreamUrl),
      onExchange: (ex) => {
        order.push('exchange');
        exchanges.push(ex);
      },
    });
  });
  after(() => gw.close(500));

  test('a large answer to a slow client arrives byte for byte, recorded before it ends', async () => {
    const res = await slowPost(gw, '/v1/messages?case=big', order);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, BIG.length);
    assert.equal(sha(res.body), sha(BIG));
    assert.deepEqual(order, ['exchange', 'client end']);
    assert.equal(exchanges[0]!.bytesOut, BIG.length);
    assert.equal(exchanges[0]!.status, 200);
    assert.equal(exchanges[0]!.model, 'm');
    assert.ok(exchanges[0]!.upstreamMs !== undefined);
  });

  test('SSE headers reach the client before the first event exists', { timeout: 10_000 }, async () => {
    const res = await fetch(`${gw.url}/anthropic/v1/messages?case=sse-late`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    headersArrived();
    assert.equal(await res.text(), 'data: {"late":true}\n\n');
  });

  test('an answer that breaks off before its end resets the client connection', async () => {
    await assert.rejects(slowPost(gw, '/v1/messages?case=broken'));
    const last = exchanges.at(-1)!;
    assert.equal(last.decision, 'error');
    assert.equal(last.status, 200);
  });
});

describe('relay while restoring', () => {
  let gw: Gateway;
  const warnings: string[] = [];
  before(async () => {
    gw = await startGateway({
      config: testConfig({ limits: { max_answer: '64KiB' } }, upstreamUrl),
      inspector: restoring,
      logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
    });
  });
  after(() => gw.close(500));

  test('SSE: every event restored, in order, with the tail, to a slow client', async () => {
    const res = await slowPost(gw, '/v1/messages?case=sse');
    assert.equal(res.status, 200);
    const want =
      EVENTS.map((ev) => ev.replace('SECRET', 'secret')).join('') +
      'event: delta\ndata: {"text":"SEC' +
      ': end\n\n';
    assert.equal(res.body.toString('utf8'), want);
  });

  test('SSE with an upstream content-length: dropped, since restoring changes the length', async () => {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request(`${gw.url}/anthropic/v1/messages?case=sse-sized`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(headers['content-length'], undefined);
    const res = await slowPost(gw, '/v1/messages?case=sse-sized');
    const want =
      EVENTS.slice(0, 3)
        .map((ev) => ev.replace('SECRET', 'secret'))
        .join('') + ': end\n\n';
    assert.equal(res.body.toString('utf8'), want);
  });

  test('JSON: restored whole, with a content-length', async () => {
    const res = await slowPost(gw, '/v1/messages?case=json&pad=10');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString('utf8')), { text: 'secret', pad: 'y'.repeat(10) });
  });

  for (const [kind, encoding] of [
    ['gzip-json', 'gzip'],
    ['br-json', 'br'],
  ] as const) {
    test(`JSON compressed (${encoding}) although identity was asked for: decoded, restored, sent uncompressed`, async () => {
      warnings.length = 0;
      const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
        (resolve, reject) => {
          const req = request(`${gw.url}/anthropic/v1/messages?case=${kind}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          });
          req.on('response', (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () =>
              resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }),
            );
          });
          req.on('error', reject);
          req.end('{}');
        },
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.deepEqual(JSON.parse(res.body.toString('utf8')), { text: 'secret', n: 1 });
      assert.deepEqual(warnings, []);
    });
  }

  test('JSON compressed all the same that decodes past limits.max_answer: 502 naming the setting', async () => {
    const res = await slowPost(gw, '/v1/messages?case=gzip-big-json');
    assert.equal(res.status, 502);
    assert.equal(res.headers['x-airlock-error'], 'AIRLOCK_ANSWER_TOO_LARGE');
    assert.match(res.body.toString('utf8'), /Raise `limits\.max_answer`/);
  });

  test('JSON that says gzip and is not: sent as it came, with a warning', async () => {
    warnings.length = 0;
    const res = await slowPost(gw, '/v1/messages?case=bad-gzip-json');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString('utf8'), 'not gzip at all');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /answer not decodable; sent as received/);
  });

  test('SSE compressed although identity was asked for: decoded, restored, sent uncompressed to a slow client', async () => {
    warnings.length = 0;
    const res = await slowPost(gw, '/v1/messages?case=gzip-sse-whole');
    assert.equal(res.status, 200);
    const want = EVENTS.map((ev) => ev.replace('SECRET', 'secret')).join('') + ': end\n\n';
    assert.equal(res.body.toString('utf8'), want);
    assert.deepEqual(warnings, []);
  });

  test(
    'SSE compressed all the same: each event reaches the client as it is decoded',
    { timeout: 10_000 },
    async () => {
      const res = await fetch(`${gw.url}/anthropic/v1/messages?case=gzip-sse-live`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.headers.get('content-encoding'), null);
      const reader = res.body!.getReader();
      let text = '';
      // The upstream sends the rest only once this client has the first event, restored.
      while (!text.includes('\n\n')) text += Buffer.from((await reader.read()).value!).toString('utf8');
      assert.equal(text, EVENTS[0]!.replace('SECRET', 'secret'));
      firstEventArrived();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      assert.equal(text, EVENTS.map((ev) => ev.replace('SECRET', 'secret')).join('') + ': end\n\n');
    },
  );

  test('SSE that says gzip and breaks off undecodable: ended with an error event, as a broken stream', async () => {
    const res = await slowPost(gw, '/v1/messages?case=bad-gzip-sse');
    assert.equal(res.status, 200);
    const text = res.body.toString('utf8');
    assert.match(text, /event: error\ndata: .*"type":"api_error"/);
    // The upstream was reached: the error says what it sent, not that it could not be reached.
    assert.match(text, /answer could not be decoded .*Z_DATA_ERROR.*content-encoding/);
    assert.doesNotMatch(text, /could not reach/);
  });

  test('a stream in a coding the gateway cannot undo: through as it came, and a warning', async () => {
    warnings.length = 0;
    const res = await slowPost(gw, '/v1/messages?case=compress-sse');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString('utf8'), 'compressed, supposedly');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /compressed its answer although asked not to; surrogates in it are not restored/,
    );
    assert.match(warnings[0]!, /"contentEncoding":"compress"/);
  });

  test('JSON over limits.max_answer: 502 in the provider shape, naming the setting, not to be retried', async () => {
    const res = await slowPost(gw, '/v1/messages?case=json&pad=100000');
    assert.equal(res.status, 502);
    assert.equal(res.headers['x-airlock-error'], 'AIRLOCK_ANSWER_TOO_LARGE');
    assert.equal(res.headers['x-should-retry'], 'false');
    const body = JSON.parse(res.body.toString('utf8')) as {
      type: string;
      error: { type: string; message: string };
    };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'api_error');
    assert.match(
      body.error.message,
      /larger than Airlock reads whole.*65536 bytes.*Raise `limits\.max_answer`/,
    );
    assert.doesNotMatch(body.error.message, /bug/);
  });

  for (const [kind, what] of [
    ['broken', 'broken off'],
    ['short', 'ended short of its content-length'],
  ] as const) {
    test(`JSON ${what} while collected: 502 AIRLOCK_UPSTREAM_BROKE_OFF, not a 500`, async () => {
      const res = await slowPost(gw, `/v1/messages?case=${kind}`);
      assert.equal(res.status, 502);
      assert.equal(res.headers['x-airlock-error'], 'AIRLOCK_UPSTREAM_BROKE_OFF');
      const body = JSON.parse(res.body.toString('utf8')) as { error: { type: string; message: string } };
      assert.equal(body.error.type, 'api_error');
      assert.doesNotMatch(body.error.message, /bug/);
    });
  }
});

describe('onForwarded: called in the wait for the upstream', () => {
  let gw: Gateway;
  const calls: string[] = [];
  let throwing = false;
  before(async () => {
    gw = await startGateway({
      config: testConfig({}, upstreamUrl),
      onForwarded: (ex) => {
        // The exchange is not over: no status yet, no answer byte out.
        calls.push(`forwarded ${ex.status} ${ex.bytesOut}`);
        if (throwing) throw new Error('listener broke');
      },
      onExchange: (ex) => {
        calls.push(`exchange ${ex.status}`);
      },
    });
  });
  after(() => gw.close(500));

  test('once per exchange, before the exchange is reported', async () => {
    calls.length = 0;
    const res = await slowPost(gw, '/v1/messages?case=slow');
    assert.equal(res.status, 200);
    assert.deepEqual(calls, ['forwarded 0 0', 'exchange 200']);
  });

  test('a listener that throws costs the request nothing', async () => {
    calls.length = 0;
    throwing = true;
    try {
      const res = await slowPost(gw, '/v1/messages?case=slow');
      assert.equal(res.status, 200);
      assert.equal(res.body.toString('utf8'), '{"ok":true}');
      assert.deepEqual(calls, ['forwarded 0 0', 'exchange 200']);
    } finally {
      throwing = false;
    }
  });
});

describe("a report is told how many of the gateway's other exchanges are in flight", () => {
  // The audit writes the record of an exchange with none at once, and groups the others' writes.
  let gw: Gateway;
  let down: Gateway;
  const told: [string, number][] = [];
  const report = (ex: Exchange, others: number) => void told.push([ex.path, others]);
  before(async () => {
    gw = await startGateway({ config: testConfig({}, upstreamUrl), onExchange: report });
    down = await startGateway({ config: testConfig({}, 'http://127.0.0.1:9'), onExchange: report });
  });
  after(async () => {
    await gw.close(500);
    await down.close(500);
  });
  const arrivals = (n: number) => {
    const target = heldAnswers.length + n;
    return new Promise<void>((resolve) => {
      heldArrived = () => {
        if (heldAnswers.length >= target) resolve();
      };
    });
  };

  test('alone: none, whether answered or failed', async () => {
    told.length = 0;
    assert.equal((await slowPost(gw, '/v1/messages?case=slow')).status, 200);
    assert.equal((await slowPost(down, '/v1/messages')).status, 502);
    assert.deepEqual(told, [
      ['/v1/messages', 0],
      ['/v1/messages', 0],
    ]);
  });

  test('three at once, answered one after the other: 2, 1, then none', async () => {
    told.length = 0;
    heldAnswers.length = 0;
    const arrived = arrivals(3);
    const answers = [1, 2, 3].map((n) => slowPost(gw, `/v1/messages?case=held&n=${n}`));
    await arrived;
    for (let k = 0; k < 3; k++) {
      const reported = told.length;
      heldAnswers[k]!();
      while (told.length === reported) await new Promise((r) => setTimeout(r, 1));
    }
    for (const res of await Promise.all(answers)) assert.equal(res.status, 200);
    assert.deepEqual(
      told.map(([, others]) => others),
      [2, 1, 0],
    );
  });

  test('a client that goes away is no longer in flight', async () => {
    told.length = 0;
    heldAnswers.length = 0;
    const arrived = arrivals(1);
    const req = request(`${gw.url}/anthropic/v1/messages?case=held`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => {});
    req.end('{"model":"m","messages":[]}');
    await arrived;
    req.destroy();
    while (told.length === 0) await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual(told, [['/v1/messages', 0]]);
    heldAnswers[0]!();
    assert.equal((await slowPost(gw, '/v1/messages?case=slow')).status, 200);
    assert.deepEqual(told[1], ['/v1/messages', 0]);
  });
});

describe('a report that returns a promise holds the answer back until it settles', () => {
  // The audit's grouped write: the answer's last bytes go out only once the record is written.
  let gw: Gateway;
  let down: Gateway;
  let release: (() => void) | undefined;
  let reported: (() => void) | undefined;
  const report = () => {
    reported?.();
    return new Promise<void>((r) => (release = r));
  };
  before(async () => {
    gw = await startGateway({ config: testConfig({}, upstreamUrl), onExchange: report });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    down = await startGateway({ config: testConfig({}, `http://127.0.0.1:${port}`), onExchange: report });
  });
  after(async () => {
    await gw.close(500);
    await down.close(500);
  });

  const cases: [string, () => Gateway, string, number][] = [
    ['JSON with a content-length', () => gw, '/v1/messages?case=json&pad=3000', 200],
    ['SSE with a content-length', () => gw, '/v1/messages?case=sse-sized', 200],
    ['chunked SSE', () => gw, '/v1/messages?case=sse', 200],
    ['an upstream that is down', () => down, '/v1/messages', 502],
  ];
  for (const [name, target, path, status] of cases) {
    test(name, async () => {
      const wasReported = new Promise<void>((r) => (reported = r));
      let complete = false;
      const answer = slowPost(target(), path).then((res) => {
        complete = true;
        return res;
      });
      await wasReported;
      await new Promise((r) => setTimeout(r, 100));
      const early = complete;
      release!();
      const res = await answer;
      assert.equal(early, false, 'the client had its whole answer before the report settled');
      assert.equal(res.status, status);
      if (status === 200) assert.ok(res.body.length > 0);
    });
  }
});

describe('a gateway killed while it records an exchange', () => {
  // The audit's promise (docs/audit.md, "Durability"): nothing acknowledged to a client is lost.
  // The exchange is recorded in the same turn as the answer's last write, which Node's http
  // holds until the next turn (and a chunked answer's end comes after the record), so a gateway
  // that dies at that moment leaves every client with an incomplete answer, whatever its shape.
  // A record deferred by even a timer fails every case here.
  // `deferred`: the report returns a promise that has not settled when the gateway dies (the
  // audit's grouped write): the answer's last bytes wait for it, so no client has them either.
  const cases: [string, 'raw' | 'restoring', ('deferred' | 'at once')?][] = [
    ['json', 'raw'],
    ['big', 'raw'], // read slowly: the relay waits for drains
    ['sse-sized', 'raw'],
    ['sse', 'raw'], // chunked: the terminating chunk comes after the record
    ['json', 'restoring'],
    ['sse', 'restoring'],
    ['json', 'raw', 'deferred'],
    ['sse-sized', 'raw', 'deferred'],
    ['sse', 'raw', 'deferred'],
    ['json', 'restoring', 'deferred'],
    ['sse', 'restoring', 'deferred'],
  ];
  for (const [kind, mode, report = 'at once'] of cases) {
    test(
      `${kind}, ${mode}, reported ${report}: the client never has the whole answer`,
      { timeout: 20_000 },
      async () => {
        const fixture = fileURLToPath(new URL('./fixtures/answer-and-die.ts', import.meta.url));
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, report], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('\n')) resolve(out.trim());
          });
          child.on('exit', () => reject(new Error(`fixture exited before listening: ${out}`)));
        });
        const answer = (async () => {
          const res = await fetch(`${url}/anthropic/v1/messages?case=${kind}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'm', messages: [] }),
          });
          // A slow reader: a pause after every chunk.
          for await (const _ of res.body!) await new Promise((r) => setTimeout(r, 1));
        })();
        await assert.rejects(
          answer,
          'the client got a whole answer from a gateway killed before recording it',
        );
        assert.equal(await exited, 'SIGKILL');
      },
    );
  }
});
