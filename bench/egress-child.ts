/**
 * Child process for bench/egress.ts: the forward proxy (with event logging as `airlock run`
 * does it, buffered, to /dev/null; the compiled modules when AIRLOCK_EGRESS_DIST names them)
 * or a bare node:http CONNECT proxy (for reference), each on its own event loop like in real
 * use. Prints one JSON line with its port, stops on SIGINT.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import pino from 'pino';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The proxy's modules: compiled ones from AIRLOCK_EGRESS_DIST (bench/egress.ts builds them), else the sources. */
const dist = process.env.AIRLOCK_EGRESS_DIST;
const load = (name: string) => pathToFileURL(join(dist!, 'src', 'egress', `${name}.js`)).href;
const { logEgressEvents } = (
  dist ? await import(load('events')) : await import('../src/egress/events.js')
) as typeof import('../src/egress/events.js');
const { startForwardProxy } = (
  dist ? await import(load('proxy')) : await import('../src/egress/proxy.js')
) as typeof import('../src/egress/proxy.js');

const role = process.argv[2];
if (role === 'bare') {
  // For reference: the smallest node:http CONNECT proxy (no policy, no events, no checks).
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
} else if (role === 'raw') {
  // For reference: the smallest net.Server CONNECT proxy (the head in one read, no checks at all).
  const raw = createNetServer({ noDelay: true }, (client) => {
    client.once('data', (chunk: Buffer) => {
      const target = chunk.toString('latin1', 8, chunk.indexOf(32, 8));
      const colon = target.lastIndexOf(':');
      const out = connect(
        { host: target.slice(0, colon), port: Number(target.slice(colon + 1)), noDelay: true },
        () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          client.pipe(out).pipe(client);
        },
      );
      out.on('error', () => client.destroy());
    });
    client.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  process.stdout.write(`${JSON.stringify({ port: (raw.address() as { port: number }).port })}\n`);
} else if (role === 'proxy') {
  const proxy = await startForwardProxy({
    port: 0,
    onEvent: logEgressEvents(pino(pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }))),
  });
  process.stdout.write(`${JSON.stringify({ port: proxy.port })}\n`);
}
// The parent asks for CPU time around a phase: work per tunnel / per GB, independent of machine load.
process.on('message', (msg) => {
  if (msg === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});
process.on('SIGINT', () => process.exit(0));
