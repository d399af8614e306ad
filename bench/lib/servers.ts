/** Starting and stopping the benchmark's servers as child processes. */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StepTime } from './phase-stats.js';
import { buildWithTsc } from './tsc-build.js';

export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  peakRss(): Promise<number>;
  /** A gateway's step times since the last reset (empty for other servers). */
  phases(): Promise<StepTime[]>;
  resetPhases(): void;
  /** Stops the step collection for good (see PhaseStats.stop). */
  stopPhases(): void;
  stop(): Promise<void>;
}

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));
let compiledServe: string | undefined;

/** serve.ts and what it imports, compiled as shipped (see tsc-build.ts); once per benchmark process. */
function compileServe(): string {
  compiledServe ??= `${buildWithTsc('serve', ['bench/lib/serve.ts'])}/bench/lib/serve.js`;
  return compiledServe;
}

/** Where the GC trace of a server of `kind` goes (`BENCH_TRACE_GC=<kind>`), or undefined. */
function gcLogFor(kind: string): string | undefined {
  if (process.env.BENCH_TRACE_GC !== kind) return undefined;
  const dir = process.env.BENCH_PROF_DIR ?? '/tmp/prof';
  mkdirSync(dir, { recursive: true });
  return `${dir}/gc-${kind}-${Date.now()}.log`;
}

/**
 * Node or V8 flags for the servers of one kind (`BENCH_FLAGS=<kind>:<flags separated by
 * spaces>`), for trying a flag on one server while the others run as always.
 */
function extraFlagsFor(kind: string): string[] {
  const spec = process.env.BENCH_FLAGS;
  if (spec === undefined) return [];
  const colon = spec.indexOf(':');
  if (colon < 0) throw new Error(`BENCH_FLAGS must be <server kind>:<flags>, got "${spec}"`);
  return spec.slice(0, colon) === kind
    ? spec
        .slice(colon + 1)
        .split(/\s+/)
        .filter(Boolean)
    : [];
}

export interface SpawnOptions {
  /** Run the tsc build of the servers (as shipped) rather than the sources through tsx. */
  compiled?: boolean;
}

export async function spawnServer(
  name: string,
  kind: string,
  upstream = '',
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const child = fork(options.compiled ? compileServe() : SERVE, [kind, upstream], {
    execArgv: [
      ...(options.compiled ? [] : ['--import', 'tsx']),
      ...(process.env.BENCH_PROF === kind
        ? [
            '--cpu-prof',
            '--cpu-prof-dir=' + (process.env.BENCH_PROF_DIR ?? '/tmp/prof'),
            // Per-request costs of 0.1 ms need finer samples than the default 1 ms.
            '--cpu-prof-interval=' + (process.env.BENCH_PROF_INTERVAL ?? '1000'),
          ]
        : []),
      ...(process.env.BENCH_TRACE_GC === kind ? ['--trace-gc'] : []),
      ...extraFlagsFor(kind),
    ],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    // The first JSON line is the port; with BENCH_TRACE_GC, V8's GC trace lines go to a file.
    const gcLog = gcLogFor(kind);
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve((JSON.parse(line) as { port: number }).port);
      else if (gcLog !== undefined) appendFileSync(gcLog, line + '\n');
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
  /** Sends `request` to the server process and resolves with its reply's `field`. */
  const ask = <T>(request: string, field: string): Promise<T> =>
    new Promise((resolve) => {
      child.once('message', (msg) => resolve((msg as Record<string, T>)[field] as T));
      child.send(request);
    });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    peakRss: () => ask<number>('rss', 'rss'),
    phases: () => ask<StepTime[]>('phases', 'phases'),
    resetPhases: () => child.send('phases-reset'),
    stopPhases: () => child.send('phases-stop'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}
