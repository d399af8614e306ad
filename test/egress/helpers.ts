/** Loopback servers and raw-socket clients for the forward-proxy tests. */
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type Server as HttpServer,
} from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { EgressEvent } from '../../src/egress/events.js';
import { startForwardProxy, type ForwardProxy, type ForwardProxyOptions } from '../../src/egress/proxy.js';

export async function listen(server: Server | HttpServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server | HttpServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** TCP echo server: what a tunnel destination sees is sent back. */
export async function startEcho(): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  const port = await listen(server);
  return {
    port,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** HTTP server that answers with what it received, as JSON. */
export async function startHttpEcho(): Promise<{
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}> {
  const seen: SeenRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      res.writeHead(200, {
        'content-type': 'application/json',
        'keep-alive': 'timeout=77',
        'proxy-authenticate': 'Basic realm="x"',
        'x-from': 'echo',
      });
      res.end(JSON.stringify(entry));
    });
  });
  const port = await listen(server);
  return { port, seen, close: () => closeServer(server) };
}

/**
 * Sends raw bytes, returns everything received until the server closes (or `timeoutMs`).
 * `halfClose` sends our FIN right after the bytes, keeping the socket open for the answer.
 */
export function rawExchange(
  port: number,
  data: string | Buffer,
  timeoutMs = 10_000,
  halfClose = false,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: halfClose });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      // A reset after the answer arrived still counts as the answer.
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    if (halfClose) socket.end(data);
    else socket.write(data);
  });
}

/** Opens a CONNECT tunnel through the proxy; resolves with the status and the socket (tunnel if 200). */
export function openConnect(
  proxyPort: number,
  target: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; head: string; socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: proxyPort });
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    const headers = Object.entries({ Host: target, ...extraHeaders })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`CONNECT ${target} HTTP/1.1\r\n${headers}\r\n`);
  });
}

/** Reads from a socket until `expected` bytes arrived. */
export function readBytes(
  socket: Socket,
  expected: number,
  initial: Buffer = Buffer.alloc(0),
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = initial;
    if (buf.length >= expected) {
      resolve(buf);
      return;
    }
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= expected) {
        socket.off('data', onData);
        resolve(buf);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () =>
      buf.length >= expected ? resolve(buf) : reject(new Error(`closed after ${buf.length} bytes`)),
    );
  });
}

/** The proxy tests' loopback stand: a byte echo, an HTTP echo, and a forward proxy that records its events. */
export interface ProxyStand {
  echo: Awaited<ReturnType<typeof startEcho>>;
  web: Awaited<ReturnType<typeof startHttpEcho>>;
  proxy: ForwardProxy;
  readonly events: EgressEvent[];
  close(): Promise<void>;
}

export async function startProxyStand(
  options: Omit<ForwardProxyOptions, 'port' | 'onEvent'> = {},
): Promise<ProxyStand> {
  const events: EgressEvent[] = [];
  const echo = await startEcho();
  const web = await startHttpEcho();
  const proxy = await startForwardProxy({ ...options, port: 0, onEvent: (e) => events.push(e) });
  return {
    echo,
    web,
    proxy,
    /** Every event so far: the proxy hands its batched events over first. */
    get events() {
      proxy.flushEvents();
      return events;
    },
    async close() {
      await proxy.close();
      await echo.close();
      await web.close();
    },
  };
}

/**
 * A loopback port that never completes a connection: its listener's accept queue is full and
 * nothing accepts (the listener's event loop, in a worker thread, is blocked), so the kernel drops
 * every further SYN and a dial hangs until its own timeout. For the proxy's dialling paths.
 */
export async function startBlackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       // Blocked until released: the queued connections are never accepted.
       Atomics.wait(workerData, 0, 0);
       server.close();
       parentPort.close();
     });`,
    { eval: true, workerData: gate },
  );
  const [port] = (await once(worker, 'message')) as [number];
  // Fill the accept queue (backlog 1 holds two); the ones after it hang.
  const fillers = Array.from({ length: 4 }, () => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    return s;
  });
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}
