/**
 * Egress proxy benchmark (issue 7 targets): a CONNECT tunnel adds at most 0.2 ms to connection
 * setup, and one tunnel moves at least 1 GB/s — each measured against a direct connection to the
 * same loopback server in the same run.
 *
 * The client, the echo server and the byte sink are native (bench/egress-probe.c, built here with
 * the system C compiler), so that the endpoints cost next to nothing per connection and per byte
 * and what is measured is the proxy: a Node client or sink costs about as much per byte as a
 * Node proxy does, and direct loopback through Node endpoints ran below the target itself. The
 * Airlock proxy (logging its events as `airlock run` does; compiled with tsc as for dist/, see
 * buildProxy) and, for reference, a bare node:http CONNECT proxy, a raw net.Server one and the
 * probe's own C proxy (one thread, epoll: the floor of what a proxy adds on this host) run in
 * their own processes.
 *
 * Setup: from socket() until one byte came back from the echo server (direct: TCP connect and
 * echo; proxied: TCP connect, CONNECT, 200, echo), sequential, one connection per route in turn,
 * each round starting at the next route: a proxy's teardown of its last connection overlaps
 * whichever route comes next, and a fixed order charged that to the same route every time.
 * "Added" is a route's median minus direct's; its interval is the 2.5–97.5% range of that
 * difference over bootstrap resamples of the rounds (a round's samples stay together).
 * Throughput: one connection writes N bytes in 1 MiB writes, half-closes, and the sink answers
 * the count it received (checked); direct / bare / Airlock in turn. Proxy CPU time comes from
 * the proxy process itself (process.cpuUsage around a phase), which other load does not inflate.
 *
 * Run: node --import tsx bench/egress.ts   (BENCH_QUICK=1 for a short smoke run)
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, percentile, table } from './lib/stats.js';
import { buildWithTsc } from './lib/tsc-build.js';

const quick = process.env.BENCH_QUICK === '1';
const CHILD = fileURLToPath(new URL('./egress-child.ts', import.meta.url));
const PROBE_SOURCE = fileURLToPath(new URL('./egress-probe.c', import.meta.url));
const PROBE = fileURLToPath(new URL('./tmp/egress-probe', import.meta.url));

/** The proxy compiled as shipped (see lib/tsc-build.ts); returns the directory. */
function buildProxy(): string {
  return buildWithTsc('egress', ['src/egress/proxy.ts', 'src/egress/events.ts']);
}

/** Builds the native probe when it is missing or older than its source. */
function buildProbe(): string {
  const stale = (() => {
    try {
      return statSync(PROBE).mtimeMs < statSync(PROBE_SOURCE).mtimeMs;
    } catch {
      return true;
    }
  })();
  if (stale) {
    mkdirSync(fileURLToPath(new URL('./tmp/', import.meta.url)), { recursive: true });
    try {
      execFileSync('cc', ['-O2', '-pthread', '-o', PROBE, PROBE_SOURCE], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`bench/egress needs a C compiler (cc) for its native endpoints: ${String(err)}`);
    }
  }
  return PROBE;
}

async function firstLine(child: ChildProcess, name: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

async function spawnChild(
  role: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; info: Record<string, number> }> {
  const child = fork(CHILD, [role], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return { child, info: JSON.parse(await firstLine(child, role)) as Record<string, number> };
}

function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (msg) => resolve((msg as { cpuMicros: number }).cpuMicros));
    child.send('cpu');
  });
}

/** Runs the probe client; resolves with its stdout. */
async function probe(args: (string | number)[]): Promise<string> {
  const child = spawn(PROBE, args.map(String), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`egress-probe ${args.join(' ')} exited with ${code}`);
  return out;
}

/** `rounds` setup samples (ms) per route, routes measured in turn. */
async function setupSamples(echo: number, rounds: number, routes: number[]): Promise<number[][]> {
  const lines = (await probe(['setup', echo, rounds, ...routes])).trim().split('\n');
  return lines.map((line) => line.split(' ').map((us) => Number(us) / 1000));
}

/**
 * A route's added median over direct, with the 2.5% and 97.5% points of the same difference over
 * bootstrap resamples of the rounds (sample i of every route comes from round i).
 */
function addedInterval(direct: number[], route: number[]): [number, number, number] {
  const median = (xs: number[]) => percentile(xs, 50);
  const diffs: number[] = [];
  // mulberry32: a fixed seed, so that a report's interval can be recomputed from its samples.
  let seed = 12345;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let r = 0; r < 200; r++) {
    const d: number[] = [];
    const x: number[] = [];
    for (let i = 0; i < direct.length; i++) {
      const k = Math.floor(next() * direct.length);
      d.push(direct[k]!);
      x.push(route[k]!);
    }
    diffs.push(median(x) - median(d));
  }
  return [median(route) - median(direct), percentile(diffs, 2.5), percentile(diffs, 97.5)];
}

async function streamGBps(sink: number, bytes: number, route: number): Promise<number> {
  const seconds = Number(await probe(['stream', sink, bytes, 1024 * 1024, route]));
  return bytes / seconds / 1e9;
}

export async function runEgressBench(): Promise<string> {
  buildProbe();
  const servers = spawn(PROBE, ['serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = JSON.parse(await firstLine(servers, 'egress-probe serve')) as { echo: number; sink: number };
  const floor = spawn(PROBE, ['proxy'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const floorPort = (JSON.parse(await firstLine(floor, 'egress-probe proxy')) as { proxy: number }).proxy;
  const proxy = await spawnChild('proxy', { AIRLOCK_EGRESS_DIST: buildProxy() });
  const bare = await spawnChild('bare');
  const raw = await spawnChild('raw');
  const proxyPort = proxy.info.port!;
  const barePort = bare.info.port!;
  const routes = [0, floorPort, raw.info.port!, barePort, proxyPort];
  const names = ['direct', 'C floor proxy', 'raw net proxy', 'bare node:http proxy', 'Airlock proxy'];
  const loadBefore = loadavg();
  try {
    // Setup: warm-up, then batches with the proxy's CPU time read around each.
    await setupSamples(ports.echo, quick ? 100 : 300, routes);
    const batch = 100;
    const batches = quick ? 3 : 30;
    const samples: number[][] = routes.map(() => []);
    let proxyCpuMicros = 0;
    for (let b = 0; b < batches; b++) {
      const before = await cpuMicros(proxy.child);
      const got = await setupSamples(ports.echo, batch, routes);
      proxyCpuMicros += (await cpuMicros(proxy.child)) - before;
      got.forEach((s, i) => samples[i]!.push(...s));
    }
    const n = batch * batches;
    const direct = samples[0]!;
    const proxied = samples[routes.length - 1]!;
    const setupRows = [50, 90, 99].map((p) => [
      `p${p}`,
      ...samples.map((s) => fmt(percentile(s, p))),
      ...samples.slice(1).map((s) => fmt(percentile(s, p) - percentile(direct, p))),
    ]);
    const added = percentile(proxied, 50) - percentile(direct, 50);
    const intervals = samples.slice(1).map((s) => addedInterval(direct, s));
    const loadAfterSetup = loadavg();
    // Throughput.
    const total = (quick ? 1 : 4) * 2 ** 30;
    const rounds = quick ? 1 : 3;
    const gb: number[][] = [[], [], []];
    let cpuSecondsPerGb = Number.POSITIVE_INFINITY;
    for (let i = 0; i < rounds; i++) {
      gb[0]!.push(await streamGBps(ports.sink, total, 0));
      gb[1]!.push(await streamGBps(ports.sink, total, barePort));
      const before = await cpuMicros(proxy.child);
      gb[2]!.push(await streamGBps(ports.sink, total, proxyPort));
      const perGb = ((await cpuMicros(proxy.child)) - before) / 1e6 / (total / 1e9);
      cpuSecondsPerGb = Math.min(cpuSecondsPerGb, perGb);
    }
    const [gbDirect, gbBare, gbProxied] = gb as [number[], number[], number[]];
    const median = (xs: number[]) => percentile(xs, 50);
    const best = (xs: number[]) => Math.max(...xs);
    const row = (name: string, f: (xs: number[]) => number) => [
      name,
      fmt(f(gbDirect), 2),
      fmt(f(gbBare), 2),
      fmt(f(gbProxied), 2),
      fmt(f(gbProxied) / f(gbDirect), 2),
    ];
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    return [
      `Native client and servers (bench/egress-probe.c); proxies in their own Node processes (Airlock's compiled by tsc, as shipped), the C floor proxy in its own.`,
      `Load average (1, 5, 15 min) before setup: ${load(loadBefore)}; after setup: ${load(loadAfterSetup)}.`,
      '',
      `Connection setup, ${n} sequential connections per route (socket() until one byte echoed), rotated order, ms:`,
      '',
      table(
        ['percentile', ...names, ...names.slice(1).map((name) => `${name.replace(/ proxy$/, '')} added`)],
        setupRows,
      ),
      '',
      `Added p50 with its 95% bootstrap interval, ms: ${names
        .slice(1)
        .map(
          (name, i) =>
            `${name.replace(/ proxy$/, '')} ${fmt(intervals[i]![0])} [${fmt(intervals[i]![1])}, ${fmt(intervals[i]![2])}]`,
        )
        .join('; ')}`,
      '',
      `Proxy CPU per tunnel (accept, parse, policy, dial, event, echo, teardown): ${fmt(proxyCpuMicros / n / 1000)} ms`,
      `Target: added p50 <= 0.2 ms → ${added <= 0.2 ? 'met' : 'NOT met'} (${fmt(added)} ms)`,
      '',
      `Throughput of one connection, ${total / 2 ** 30} GiB per run in 1 MiB writes, ${rounds} run(s), GB/s:`,
      '',
      table(
        ['', 'direct', 'bare node:http proxy', 'Airlock proxy', 'Airlock / direct'],
        [row('median', median), row('best', best)],
      ),
      '',
      `Proxy CPU per GB tunnelled: ${fmt(cpuSecondsPerGb, 2)} s, i.e. one core moves ${fmt(1 / cpuSecondsPerGb, 2)} GB/s through one tunnel`,
      `Target: >= 1 GB/s per tunnel → ${median(gbProxied) >= 1 ? 'met' : 'NOT met'} (measured), ${1 / cpuSecondsPerGb >= 1 ? 'met' : 'NOT met'} (CPU-bound capacity)`,
    ].join('\n');
  } finally {
    for (const c of [proxy.child, bare.child, raw.child]) c.kill('SIGINT');
    servers.stdin!.end();
    floor.stdin!.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await runEgressBench()}\n`);
}
