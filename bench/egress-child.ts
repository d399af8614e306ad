/**
 * Child process for bench/egress.ts: the forward proxy (with event logging as `airlock run`
 * does it, buffered, to /dev/null), a bare node:http CONNECT proxy (the floor), or the destination servers (an echo server and a byte sink), so that each runs on
 * its own event loop like in real use. Prints one JSON line with its port(s), stops on SIGINT.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import pino from 'pino';
import { logEgressEvents } from '../src/egress/events.js';
import { startForwardProxy } from '../src/egress/proxy.js';

async function listen(handler: (s: Socket) => void): Promise<number> {
  const server = createServer({ noDelay: true }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

const role = process.argv[2];
if (role === 'bare') {
  // The floor: the smallest node:http CONNECT proxy (no policy, no events, no checks).
  const bare = createHttpServer();
  bare.on('connect', (req, client: Socket) => {
    const [host, port] = (req.url ?? '').split(':');
    const out = connect({ host, port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      client.pipe(out).pipe(client);
    });
    out.on('error', () => client.destroy());
    client.on('error', () => out.destroy());
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  process.stdout.write(`${JSON.stringify({ port: (bare.address() as { port: number }).port })}\n`);
} else if (role === 'proxy') {
  const proxy = await startForwardProxy({
    port: 0,
    onEvent: logEgressEvents(pino(pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }))),
  });
  process.stdout.write(`${JSON.stringify({ port: proxy.port })}\n`);
} else {
  const echo = await listen((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  // Sink: the first 8 bytes give the length to expect; one byte answers when all arrived.
  const sink = await listen((s) => {
    s.on('error', () => s.destroy());
    let expected = -1;
    let seen = 0;
    let head = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      if (expected < 0) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 8) return;
        expected = Number(head.readBigUInt64BE(0));
        seen = head.length - 8;
      } else {
        seen += chunk.length;
      }
      if (seen >= expected) s.end('!');
    });
  });
  process.stdout.write(`${JSON.stringify({ echo, sink })}\n`);
}
// The parent asks for CPU time around a phase: work per tunnel / per GB, independent of machine load.
process.on('message', (msg) => {
  if (msg === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});
process.on('SIGINT', () => process.exit(0));
