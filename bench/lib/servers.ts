/** Starting and stopping the benchmark's servers as child processes. */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));
let compiledServe: string | undefined;

/**
 * serve.ts and everything it imports compiled with tsc into bench/tmp/serve-dist, as
 * `npm run build` compiles dist/ (what the `airlock` bin runs); once per benchmark process.
 * Through tsx instead, every named closure the gateway creates per request also passes through
 * tsx's keepNames wrapper (a defineProperty call each), a cost the shipped code does not have.
 */
function compileServe(): string {
  if (compiledServe !== undefined) return compiledServe;
  const tmp = fileURLToPath(new URL('../tmp/', import.meta.url));
  mkdirSync(tmp, { recursive: true });
  const config = `${tmp}tsconfig.serve.json`;
  writeFileSync(
    config,
    JSON.stringify({
      extends: '../../tsconfig.build.json',
      compilerOptions: { rootDir: '../..', outDir: './serve-dist', sourceMap: false, noEmitOnError: true },
      include: [],
      files: ['../lib/serve.ts'],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  compiledServe = `${tmp}serve-dist/bench/lib/serve.js`;
  return compiledServe;
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
    ],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    peakRss: () =>
      new Promise((resolve) => {
        child.once('message', (msg) => resolve((msg as { rss: number }).rss));
        child.send('rss');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}
