/**
 * Egress proxy benchmark (issue 7 targets): a CONNECT tunnel adds at most 0.2 ms to connection
 * setup, and one tunnel moves at least 1 GB/s — each measured against a direct connection to the
 * same loopback server in the same run. Proxy and destination servers are separate processes.
 *
 * Setup: time from connect() until one byte has made the round trip through the echo server
 * (direct: TCP connect + echo; proxied: TCP connect + CONNECT + 200 + echo), sequential,
 * direct and proxied alternating. Throughput: one connection writes N bytes to a sink that
 * answers once it has them all.
 *
 * Run: node --import tsx bench/egress.ts   (BENCH_QUICK=1 for a short smoke run)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, percentile, table } from './lib/stats.js';

const quick = process.env.BENCH_QUICK === '1';
const CHILD = fileURLToPath(new URL('./egress-child.ts', import.meta.url));

async function spawnChild(role: string): Promise<{ child: ChildProcess; info: Record<string, number> }> {
  const child = fork(CHILD, [role], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return { child, info: JSON.parse(line) as Record<string, number> };
}

function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (msg) => resolve((msg as { cpuMicros: number }).cpuMicros));
    child.send('cpu');
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

function readUntil(s: Socket, done: (buf: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
      if (done(buf)) {
        s.off('data', onData);
        resolve(buf);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

/** A socket to `target` on loopback, straight or through the proxy's CONNECT tunnel. */
async function tunnel(target: number, proxyPort: number | undefined): Promise<Socket> {
  if (proxyPort === undefined) return open(target);
  const s = await open(proxyPort);
  s.write(`CONNECT 127.0.0.1:${target} HTTP/1.1\r\nHost: 127.0.0.1:${target}\r\n\r\n`);
  const head = await readUntil(s, (b) => b.includes('\r\n\r\n'));
  if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 200'))
    throw new Error(`proxy answered ${head.toString()}`);
  return s;
}

async function setupOnce(echo: number, proxyPort: number | undefined): Promise<number> {
  const t0 = performance.now();
  const s = await tunnel(echo, proxyPort);
  s.write('x');
  await readUntil(s, (b) => b.length >= 1);
  const ms = performance.now() - t0;
  s.destroy();
  return ms;
}

async function throughput(sink: number, proxyPort: number | undefined, total: number): Promise<number> {
  const s = await tunnel(sink, proxyPort);
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const head = Buffer.alloc(8);
  head.writeBigUInt64BE(BigInt(total));
  const ack = readUntil(s, (b) => b.length >= 1);
  const t0 = performance.now();
  s.write(head);
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
  }
  await ack;
  const seconds = (performance.now() - t0) / 1000;
  s.destroy();
  return total / seconds / 1e9;
}

export async function runEgressBench(): Promise<string> {
  const targets = await spawnChild('targets');
  const proxy = await spawnChild('proxy');
  const bare = await spawnChild('bare');
  const echo = targets.info.echo!;
  const sink = targets.info.sink!;
  const proxyPort = proxy.info.port!;
  const barePort = bare.info.port!;
  try {
    const n = quick ? 300 : 3000;
    for (let i = 0; i < 200; i++) {
      await setupOnce(echo, undefined);
      await setupOnce(echo, proxyPort);
      await setupOnce(echo, barePort);
    }
    const direct: number[] = [];
    const proxied: number[] = [];
    const floor: number[] = [];
    let proxyCpu = 0;
    for (let i = 0; i < n; i++) {
      direct.push(await setupOnce(echo, undefined));
      const before = i % 100 === 0 ? await cpuMicros(proxy.child) : 0;
      proxied.push(await setupOnce(echo, proxyPort));
      if (i % 100 === 0) proxyCpu += (await cpuMicros(proxy.child)) - before;
      floor.push(await setupOnce(echo, barePort));
    }
    const cpuPerTunnel = proxyCpu / Math.ceil(n / 100);
    const setupRows = [50, 90, 99].map((p) => {
      const d = percentile(direct, p);
      const x = percentile(proxied, p);
      const b = percentile(floor, p);
      return [`p${p}`, fmt(d), fmt(b), fmt(x), fmt(x - d), fmt(x - b)];
    });

    const total = (quick ? 256 : 2048) * 1024 * 1024;
    const rounds = quick ? 1 : 3;
    const gbDirect: number[] = [];
    const gbProxied: number[] = [];
    let cpuSecondsPerGb = Number.POSITIVE_INFINITY;
    const gbBare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      gbDirect.push(await throughput(sink, undefined, total));
      gbBare.push(await throughput(sink, barePort, total));
      const before = await cpuMicros(proxy.child);
      gbProxied.push(await throughput(sink, proxyPort, total));
      cpuSecondsPerGb = Math.min(
        cpuSecondsPerGb,
        ((await cpuMicros(proxy.child)) - before) / 1e6 / (total / 1e9),
      );
    }
    const best = (xs: number[]) => Math.max(...xs);
    const median = (xs: number[]) => percentile(xs, 50);
    return [
      `Connection setup, ${n} sequential connections each (connect until one byte echoed), ms:`,
      '',
      table(
        ['percentile', 'direct', 'bare node:http proxy', 'Airlock proxy', 'added vs direct', 'added vs bare'],
        setupRows,
      ),
      '',
      `Proxy CPU per tunnel (parse, policy, connect, event, teardown): ${fmt(cpuPerTunnel / 1000)} ms`,
      `Target: added p50 <= 0.2 ms → ${percentile(proxied, 50) - percentile(direct, 50) <= 0.2 ? 'met' : 'NOT met'}`,
      '',
      `Throughput of one connection, ${total / 2 ** 20} MiB per run, ${rounds} run(s), GB/s:`,
      '',
      table(
        ['', 'direct', 'bare node:http proxy', 'Airlock proxy', 'Airlock / direct'],
        [
          [
            'median',
            fmt(median(gbDirect), 2),
            fmt(median(gbBare), 2),
            fmt(median(gbProxied), 2),
            fmt(median(gbProxied) / median(gbDirect), 2),
          ],
          [
            'best',
            fmt(best(gbDirect), 2),
            fmt(best(gbBare), 2),
            fmt(best(gbProxied), 2),
            fmt(best(gbProxied) / best(gbDirect), 2),
          ],
        ],
      ),
      '',
      `Proxy CPU per GB tunnelled: ${fmt(cpuSecondsPerGb, 2)} s, i.e. one core can move ${fmt(1 / cpuSecondsPerGb, 2)} GB/s through one tunnel`,
      `Target: >= 1 GB/s per tunnel → ${median(gbProxied) >= 1 ? 'met' : 'NOT met'} (measured), ${1 / cpuSecondsPerGb >= 1 ? 'met' : 'NOT met'} (CPU-bound capacity)`,
    ].join('\n');
  } finally {
    for (const c of [proxy.child, bare.child, targets.child]) c.kill('SIGINT');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await runEgressBench()}\n`);
}
