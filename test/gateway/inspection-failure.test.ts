/**
 * An inspection that fails or does not finish: the policy's on_error decides, within
 * timeouts.inspect_ms, and nothing is sent half-inspected. End to end, a Redis vault that
 * accepts connections and never answers fails requests with a message naming it, instead of
 * holding them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Exchange } from '../../src/gateway/exchange.js';
import type { InspectRequest, InspectResult, Inspector } from '../../src/gateway/inspector.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { findingDecision } from '../audit/helpers.js';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { testConfig } from '../helpers/stack.js';

const BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'the project lives in /home/ysolde/work/quincunx-ledger' }],
});

/** An upstream that records each request body and answers 200. */
let upstream: Server;
let upstreamUrl: string;
const received: string[] = [];

before(async () => {
  upstream = createHttpServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (req.url?.includes('slow')) setTimeout(answer, 300);
      else answer();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => upstream.close(() => r())));

async function post(gw: Gateway): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gw.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' },
    body: BODY,
  });
  return { status: res.status, body: await res.text() };
}

/** An inspector that answers `how` to every request. */
function inspector(how: (req: InspectRequest) => Promise<InspectResult>): Inspector {
  return { inspect: how };
}

describe('an inspection that fails or takes too long', () => {
  const gateways: Gateway[] = [];
  const start = async (inspect: Inspector, onInspectError: 'block' | 'allow') => {
    const gw = await startGateway({
      config: testConfig({ timeouts: { inspect_ms: 150 } }, upstreamUrl),
      inspector: inspect,
      onInspectError,
    });
    gateways.push(gw);
    return gw;
  };
  after(async () => {
    for (const gw of gateways) await gw.close(500);
  });
  const never = inspector(() => new Promise<InspectResult>(() => {}));
  const throwing = inspector(() => Promise.reject(new Error('the vault is down')));

  test('throws, on_error block: 503 in the provider shape, saying why; nothing sent upstream', async () => {
    received.length = 0;
    const res = await post(await start(throwing, 'block'));
    assert.equal(res.status, 503);
    const error = JSON.parse(res.body) as { type: string; error: { type: string; message: string } };
    assert.equal(error.type, 'error');
    assert.match(error.error.message, /could not inspect this request \(the vault is down\)/);
    assert.deepEqual(received, []);
  });

  test(
    'never answers, on_error block: 503 once timeouts.inspect_ms has passed',
    { timeout: 10_000 },
    async () => {
      received.length = 0;
      const res = await post(await start(never, 'block'));
      assert.equal(res.status, 503);
      assert.match(res.body, /inspection did not finish within 150 ms \(timeouts\.inspect_ms\)/);
      assert.deepEqual(received, []);
    },
  );

  test(
    'never answers, on_error allow: forwarded as it came once the time has passed',
    { timeout: 10_000 },
    async () => {
      received.length = 0;
      const res = await post(await start(never, 'allow'));
      assert.equal(res.status, 200);
      assert.deepEqual(received, [BODY]);
    },
  );

  test(
    'answers too late: its edits are not written over the body that went on',
    { timeout: 10_000 },
    async () => {
      received.length = 0;
      let owned: boolean | undefined;
      let late!: () => void;
      const finished = new Promise<void>((r) => (late = r));
      // As the policy inspector does when it owns the bytes: its edits written over them, last.
      // By then the gateway may be sending those very bytes (a large body to a slow upstream).
      const slow = inspector(async (req) => {
        await new Promise((r) => setTimeout(r, 300));
        owned = req.rawOwned;
        if (req.rawOwned === true && req.raw) req.raw.fill(0x58);
        late();
        return { action: 'forward', summary: { findings: [], mode: 'enforce' } };
      });
      const res = await post(await start(slow, 'allow'));
      assert.equal(res.status, 200);
      await finished;
      assert.equal(owned, false, 'the gateway let the late inspector write over the body');
      assert.deepEqual(received, [BODY]);
    },
  );
});

describe('a client that goes away', () => {
  // The audit must not call a request forwarded when nothing of it left, nor lose what was in it.
  const reports: Exchange[] = [];
  const finding = findingDecision('home-path', 'environment');
  let gw: Gateway;
  before(async () => {
    gw = await startGateway({
      config: testConfig({}, upstreamUrl),
      inspector: inspector(async () => {
        await new Promise((r) => setTimeout(r, 200));
        return { action: 'forward', summary: { findings: [finding], mode: 'enforce' } };
      }),
      // As the audit recorder does: what the exchange says when reported, not what it says later.
      onExchange: (ex) => void reports.push({ ...ex }),
    });
  });
  after(() => gw.close(500));
  const leaveAfter = async (path: string, ms: number) => {
    const gone = new AbortController();
    const asked = fetch(`${gw.url}/anthropic${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
      signal: gone.signal,
    }).catch((err: Error) => err.name);
    setTimeout(() => gone.abort(), ms);
    assert.equal(await asked, 'AbortError');
    // Past the inspection and an answer's time: whatever the gateway would still do is done.
    await new Promise((r) => setTimeout(r, 500));
  };

  test('while its request is inspected: nothing is sent on, and the record says so', async () => {
    received.length = 0;
    reports.length = 0;
    await leaveAfter('/v1/messages', 50);
    assert.deepEqual(received, []);
    assert.equal(reports.length, 1);
    const [ex] = reports;
    assert.deepEqual(
      [ex!.decision, ex!.errorCode, ex!.aborted, ex!.forwarded, ex!.status],
      ['error', 'AIRLOCK_CLIENT_GONE', true, false, 0],
    );
    // Reported once the inspection ended, not when the client left: with what it found.
    assert.deepEqual(ex!.summary?.findings, [finding]);
  });

  test('once its request went on: a forward whose answer it did not get whole', async () => {
    received.length = 0;
    reports.length = 0;
    await leaveAfter('/v1/messages?slow=1', 300);
    assert.deepEqual(received, [BODY]);
    assert.equal(reports.length, 1);
    const [ex] = reports;
    assert.deepEqual(
      [ex!.decision, ex!.errorCode, ex!.aborted, ex!.forwarded],
      ['forward', 'AIRLOCK_CLIENT_GONE', true, true],
    );
  });
});

describe('a Redis vault that accepts connections and never answers', () => {
  let blackHole: ReturnType<typeof createTcpServer>;
  const sockets: Socket[] = [];
  before(async () => {
    blackHole = createTcpServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => blackHole.close(() => r()));
  });

  test(
    'fails each request within timeouts.inspect_ms, naming the vault; the gateway goes on',
    { timeout: 20_000 },
    async () => {
      const port = (blackHole.address() as AddressInfo).port;
      const dir = mkdtempSync(join(tmpdir(), 'airlock-vault-'));
      const policyFile = join(dir, 'policy.yaml');
      // With credentials, which no message may repeat.
      writeFileSync(policyFile, `vault: redis://user:s3cret@127.0.0.1:${port}/0\n`);
      const airlock = await startAirlockStack(
        { script: { reply: [{ text: 'ok' }] } },
        { config: { timeouts: { inspect_ms: 1000 } }, policyFile },
      );
      try {
        for (let i = 0; i < 2; i++) {
          const res = await fetch(`${airlock.via.anthropic}/v1/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' },
            body: BODY,
          });
          const text = await res.text();
          assert.equal(res.status, 503, text);
          // The vault's own timeout comes before the inspection's deadline: the 503 says why.
          assert.match(text, /the Redis vault at redis:\/\/127\.0\.0\.1:\d+\/0 failed/);
          assert.doesNotMatch(text, /s3cret/);
        }
        assert.equal(airlock.sim.received.length, 0, 'nothing reached the provider');
        const health = await fetch(`${airlock.airlock.gateway.url}/healthz`);
        assert.equal(health.status, 200);
      } finally {
        await airlock.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
