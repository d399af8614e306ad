/**
 * The tunnels' fallback to pipe() is visible: on a runtime whose stream handles cannot read
 * into caller buffers (forced here by hiding `useUserBuffer` from the TCP handles' prototype),
 * tunnels still carry their bytes, their events say `tunnel: 'pipe'`, one warning is given (to
 * the process, or to the proxy's onWarning), and the metric counts them by mode. The normal
 * case, `buffers`, is checked too, so that a silent fallback fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { createMetrics } from '../../src/metrics/index.js';
import { openConnect, readBytes, startProxyStand } from './helpers.js';

/** The prototype that holds `useUserBuffer` for TCP handles, found from a listening server's handle. */
async function handlePrototypeWithUserBuffer(): Promise<object> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let proto: object | null = Object.getPrototypeOf(
    (server as unknown as { _handle: object })._handle,
  ) as object;
  server.close();
  while (proto !== null && !Object.prototype.hasOwnProperty.call(proto, 'useUserBuffer')) {
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  assert.ok(proto, 'this runtime has useUserBuffer (else the proxy always pipes)');
  return proto;
}

/**
 * Runs `body` on a runtime without `useUserBuffer` (tunnels fall back to pipe()), with the
 * process's fallback warnings collected; restores both after.
 */
async function withoutUserBuffer(body: (processWarnings: () => Error[]) => Promise<void>): Promise<void> {
  const proto = await handlePrototypeWithUserBuffer();
  const saved = Object.getOwnPropertyDescriptor(proto, 'useUserBuffer')!;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  delete (proto as { useUserBuffer?: unknown }).useUserBuffer;
  try {
    await body(() =>
      warnings.filter((w) => (w as NodeJS.ErrnoException).code === 'AIRLOCK_EGRESS_TUNNEL_FALLBACK'),
    );
  } finally {
    Object.defineProperty(proto, 'useUserBuffer', saved);
    process.off('warning', onWarning);
  }
}

async function tunnelEcho(port: number, echoPort: number, payload: Buffer): Promise<Buffer> {
  const t = await openConnect(port, `127.0.0.1:${echoPort}`);
  assert.equal(t.status, 200);
  t.socket.write(payload);
  const back = await readBytes(t.socket, payload.length, t.rest);
  t.socket.destroy();
  return back;
}

test('tunnels read into reused buffers where the runtime allows it, and say so', async () => {
  const s = await startProxyStand();
  try {
    const payload = Buffer.alloc(300_000, 7);
    assert.ok((await tunnelEcho(s.proxy.port, s.echo.port, payload)).equals(payload));
    assert.equal(s.events.at(-1)?.tunnel, 'buffers');
  } finally {
    await s.close();
  }
});

test('without useUserBuffer tunnels pipe, and events, one warning and the metric show it', () =>
  withoutUserBuffer(async (processWarnings) => {
    const s = await startProxyStand();
    try {
      const payload = Buffer.alloc(300_000, 9);
      for (let i = 0; i < 2; i++) {
        assert.ok((await tunnelEcho(s.proxy.port, s.echo.port, payload)).equals(payload));
      }
      const tunnels = s.events.filter((e) => e.outcome === 'tunnel');
      assert.deepEqual(
        tunnels.map((e) => e.tunnel),
        ['pipe', 'pipe'],
      );
      // process 'warning' is emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      const ours = processWarnings();
      assert.equal(ours.length, 1, 'one warning per proxy, not one per tunnel');
      assert.match(ours[0]!.message, /fell back to pipe\(\)/);

      const metrics = createMetrics();
      for (const e of s.events) metrics.observeEgress(e);
      assert.match(metrics.render(), /^airlock_egress_tunnels_total\{mode="pipe"\} 2$/m);
    } finally {
      await s.close();
    }
  }));

test('the fallback warning goes to onWarning when given (airlock run logs it; the child owns the terminal)', () =>
  withoutUserBuffer(async (processWarnings) => {
    const given: [string, string][] = [];
    const s = await startProxyStand({ onWarning: (message, code) => given.push([message, code]) });
    try {
      const payload = Buffer.alloc(100_000, 3);
      for (let i = 0; i < 2; i++) {
        assert.ok((await tunnelEcho(s.proxy.port, s.echo.port, payload)).equals(payload));
      }
      s.proxy.flushEvents();
      await new Promise((r) => setImmediate(r));
      assert.equal(given.length, 1, 'one warning per proxy');
      assert.equal(given[0]![1], 'AIRLOCK_EGRESS_TUNNEL_FALLBACK');
      assert.match(given[0]![0], /fell back to pipe\(\)/);
      assert.equal(processWarnings().length, 0, 'nothing on the process warning channel (stderr)');
    } finally {
      await s.close();
    }
  }));
