/**
 * A streamed answer read back later (GET /v1/responses/{id}?stream=true), restored through the
 * vault as it comes (src/redact/read-back-stream.ts, the live read-back in proxy.ts's relay): its
 * events reach the client while the upstream is still sending, surrogates split across events
 * and chunks are restored, every byte arrives in order through vault lookups that pause the
 * upstream and a client that reads slowly, a vault that fails leaves the events as they came
 * with a warning, and a client that leaves stops the upstream request, also while the vault is
 * being asked.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { readBackDialect } from '../../src/dialects/read-back.js';
import type { Inspector } from '../../src/gateway/inspector.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { createReadBackRestorer, type OriginalOf } from '../../src/redact/read-back.js';
import { testConfig } from '../helpers/stack.js';

const VAULT = new Map([
  ['/home/user/project-3', '/home/alice/ledger'],
  ['/home/user', '/home/alice'],
  ['host-7.example.internal', 'build.corp.acme.com'],
]);

const sse = (data: Record<string, unknown>) =>
  `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

/** Text deltas of `size` characters from sequence number `from` on. */
function textDeltas(text: string, size: number, from: number): string[] {
  const out: string[] = [];
  for (let at = 0, seq = from; at < text.length; at += size, seq++)
    out.push(
      sse({
        type: 'response.output_text.delta',
        sequence_number: seq,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: text.slice(at, at + size),
      }),
    );
  return out;
}

const FIRST = 'First in /home/user/project-3 on host-7.example.internal. ';
const REST = 'Then /home/user again, done.';
const GATED = [
  sse({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1' } }),
  ...textDeltas(FIRST, 3, 1),
];
const GATED_REST = [
  ...textDeltas(REST, 3, 100),
  sse({ type: 'response.completed', sequence_number: 200, response: { id: 'resp_1' } }),
];

/** Many events, each line naming surrogates, some new ones (`host-N`) that the vault is asked about. */
const MANY = Array.from({ length: 600 }, (_, i) =>
  textDeltas(
    `line ${i} in /home/user/project-3 on host-${i % 50}.example.internal ${'x'.repeat(150)}\n`,
    7,
    i * 40,
  ),
).flat();

let release!: () => void;
const gate = new Promise<void>((r) => (release = r));
/** Fires when an upstream request of `case=open` is closed (the gateway aborted it). */
let openClosed!: () => void;
const upstreamClosed = new Promise<void>((r) => (openClosed = r));

let upstream: Server;
let upstreamUrl: string;

before(async () => {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const kind = new URL(req.url ?? '/', 'http://x').searchParams.get('case');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (kind === 'gated') {
      res.write(GATED.join(''));
      void gate.then(() => res.end(GATED_REST.join('')));
    } else if (kind === 'many') {
      for (const ev of MANY) res.write(ev);
      res.end();
    } else if (kind === 'open') {
      res.on('close', openClosed);
      res.write(GATED.join(''));
    } else if (kind === 'broken') {
      res.write(GATED.join(''), () => setTimeout(() => res.destroy(), 20));
    } else res.end();
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => upstream.close(() => r())));

/** The vault the gateway's read-backs ask: set per test. */
let vault: OriginalOf = (s) => Promise.resolve(VAULT.get(s));

const inspector: Inspector = {
  inspect: (req) => ({
    action: 'forward',
    readBack: createReadBackRestorer(req.dialect, (s) => vault(s), { secretsInToolCalls: false }),
    summary: { findings: [], mode: 'test' },
  }),
};

const DIALECT = readBackDialect('openai', '/v1/responses/resp_1')!;

/** What the answer restored whole gives, with the vault as it is. */
function wholeRestored(events: string[]): Promise<Buffer> {
  return createReadBackRestorer(DIALECT, (s) => Promise.resolve(VAULT.get(s)), {
    secretsInToolCalls: false,
  }).restore(Buffer.from(events.join('')), true, (u) => u);
}

const deltaText = (body: string): string =>
  body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: string })
    .filter((data) => data.type === 'response.output_text.delta')
    .map((data) => data.delta)
    .join('');

/** Each event's data without its delta's text: the events, in order, with their numbers. */
const withoutDeltas = (body: string): string[] =>
  body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.replace(/"delta":"(?:[^"\\]|\\.)*"/, '"delta":""'));

/**
 * GETs `case` through the gateway, reading slowly when `slow`; `onData` sees the body so far as
 * it grows, and may return 'stop' to leave.
 */
function get(
  gw: Gateway,
  kind: string,
  opts: { slow?: boolean; onData?: (soFar: string) => 'stop' | void } = {},
): Promise<{ status: number; body: string; left: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}/openai/v1/responses/resp_1?stream=true&case=${kind}`);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let sinceBreak = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (opts.onData?.(Buffer.concat(chunks).toString()) === 'stop') {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), left: true });
          return;
        }
        sinceBreak += c.length;
        if (opts.slow && sinceBreak > 64 * 1024) {
          sinceBreak = 0;
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), left: false }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}

describe('a streamed answer read back, restored live', () => {
  let gw: Gateway;
  const warnings: string[] = [];
  before(async () => {
    gw = await startGateway({
      config: testConfig({}, upstreamUrl),
      inspector,
      logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
    });
  });
  after(() => gw.close(500));

  test('events reach the client while the upstream is still sending, restored across splits', async () => {
    vault = (s) => Promise.resolve(VAULT.get(s));
    // The upstream sends the rest only once the client has the first part restored: an answer
    // held to its end would never get there.
    const res = await get(gw, 'gated', {
      onData: (soFar) => {
        if (deltaText(soFar).includes('build.corp.acme.com')) release();
      },
    });
    assert.equal(res.status, 200);
    assert.equal(
      deltaText(res.body),
      'First in /home/alice/ledger on build.corp.acme.com. Then /home/alice again, done.',
    );
    assert.equal(res.body, (await wholeRestored([...GATED, ...GATED_REST])).toString());
  });

  test('every byte in order through vault lookups that pause the upstream, to a slow client', async () => {
    let lookups = 0;
    // Each lookup answers on a later turn of the event loop: the upstream's chunks queue meanwhile.
    vault = (s) => {
      lookups++;
      return new Promise((r) => setTimeout(() => r(VAULT.get(s)), 1));
    };
    const res = await get(gw, 'many', { slow: true });
    assert.equal(res.status, 200);
    assert.ok(lookups >= 50, String(lookups));
    // The same text and events as the answer restored whole; where a delta's text is cut may
    // differ (the vault is asked about a surrogate when it first appears, not before).
    const want = (await wholeRestored(MANY)).toString();
    assert.equal(deltaText(res.body), deltaText(want));
    assert.deepEqual(withoutDeltas(res.body), withoutDeltas(want));
    assert.match(deltaText(res.body), /line 599 in \/home\/alice\/ledger on host-49\.example\.internal/);
  });

  test('a vault that fails: the events as they came, and a warning', async () => {
    warnings.length = 0;
    vault = () => Promise.reject(new Error('vault down'));
    release();
    const res = await get(gw, 'gated');
    assert.equal(res.body, [...GATED, ...GATED_REST].join(''));
    assert.equal(
      warnings.filter((w) => w.includes('answer read back not restored; sent as received')).length,
      1,
      warnings.join('\n'),
    );
  });

  test('a client that leaves while the vault is asked stops the upstream request', async () => {
    let asked!: () => void;
    const vaultAsked = new Promise<void>((r) => (asked = r));
    // The vault never answers: the client leaves in the middle of the lookup.
    vault = () => {
      asked();
      return new Promise(() => {});
    };
    const got: Buffer[] = [];
    const req = request(`${gw.url}/openai/v1/responses/resp_1?stream=true&case=open`);
    req.on('response', (res) => {
      res.on('data', (c: Buffer) => got.push(c));
      void vaultAsked.then(() => req.destroy());
    });
    req.on('error', () => {});
    req.end();
    await upstreamClosed;
    // Nothing of the events went while the vault was asked.
    assert.equal(Buffer.concat(got).length, 0);
  });

  test('an upstream that breaks off while the vault is asked: what came before, restored, then the error', async () => {
    vault = (s) => new Promise((r) => setTimeout(() => r(VAULT.get(s)), 100));
    const res = await get(gw, 'broken');
    assert.equal(res.status, 200);
    assert.ok(
      deltaText(res.body).startsWith('First in /home/alice/ledger on build.corp.acme.com.'),
      res.body.slice(-500),
    );
    // The provider's own shape of an error in a stream, after the events that came before.
    assert.match(res.body, /\n\ndata: \{"error":\{.*"code":"AIRLOCK_UPSTREAM_BROKE_OFF"\}\}\n\n$/);
  });
});
