/**
 * `airlock scan` benchmark, whole process, against secretlint (recommended preset) on the same
 * generated corpus in the same run: assistant transcripts and HAR captures in real record
 * shapes whose bulk is real source text (bench/scan-corpus.ts). Then peak memory on a large
 * input (default 2 GB, generated in /tmp and deleted after).
 *
 * Airlock runs from a compiled copy (tsc into a temp dir, as `dist/` would be) so worker
 * threads start without a TypeScript loader, through its real entry (src/cli/main.js, what the
 * `airlock` bin runs), so the process loads what `airlock scan` loads for a user. Every run is
 * bounded by a timeout that kills the whole process (`timeout -s KILL` under `/usr/bin/time`),
 * and a run that hits it is reported.
 *
 * Fairness: both tools get the same files (secretlint by a glob of the corpus folder, airlock by
 * the folder) and write a findings report to a file. secretlint's `json` formatter embeds the
 * full text of every scanned file in its report (the corpus written out again), so it writes
 * `compact` (one line per finding) instead; airlock writes its JSON report. The machine is
 * shared, so the three runs are repeated in interleaved rounds and the median of each is
 * reported, with the per-round ratios.
 *
 *   node --import tsx bench/scan.ts                  # 200 MB corpus + 2 GB memory run
 *   SCAN_BENCH_MB=50 SCAN_BENCH_BIG_MB=0 node --import tsx bench/scan.ts   # quick
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './scan-corpus.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CORPUS_MB = Number(process.env.SCAN_BENCH_MB ?? 200);
const BIG_MB = Number(process.env.SCAN_BENCH_BIG_MB ?? 2048);
const ROUNDS = Number(process.env.SCAN_BENCH_ROUNDS ?? 3);
/** Per run: the corpus runs take seconds, the 2 GB run well under a minute. */
const TIMEOUT_S = Number(process.env.SCAN_BENCH_TIMEOUT_S ?? 180);

interface Run {
  wallS: number;
  /** User + system CPU seconds of the whole process (all threads). */
  cpuS: number;
  rssMB: number;
  code: number | null;
  timedOut: boolean;
}

/**
 * Runs a command under /usr/bin/time for wall time, CPU time and peak RSS (all threads of the
 * process), killed after TIMEOUT_S: `timeout` is the timed process's parent, so the kill ends
 * the measured process itself and nothing is left running.
 */
function timed(cmd: string, args: string[], cwd: string): Run {
  const res = spawnSync(
    '/usr/bin/time',
    ['-f', 'TIME %e %M %U %S', 'timeout', '-s', 'KILL', String(TIMEOUT_S), cmd, ...args],
    { cwd, encoding: 'utf8', timeout: (TIMEOUT_S + 30) * 1000, maxBuffer: 64 * 1024 * 1024 },
  );
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(res.stderr ?? '');
  if (!m) throw new Error(`no timing from ${cmd} ${args.join(' ')}: ${res.stderr?.slice(-2000)}`);
  const timedOut = res.status === 137 || res.status === 124;
  return {
    wallS: Number(m[1]),
    cpuS: Number(m[3]) + Number(m[4]),
    rssMB: Number(m[2]) / 1024,
    code: timedOut ? null : res.status,
    timedOut,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time and median CPU time over the rounds (each on its own), and the highest peak RSS. */
function medianRun(runs: Run[]): Run {
  const wall = median(runs.map((r) => r.wallS));
  return {
    wallS: wall,
    cpuS: median(runs.map((r) => r.cpuS)),
    rssMB: Math.max(...runs.map((r) => r.rssMB)),
    code: runs[0]!.code,
    timedOut: runs.some((r) => r.timedOut),
  };
}

const range = (values: number[]): string =>
  `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

async function buildAirlock(): Promise<string> {
  const out = await mkdtemp(path.join(tmpdir(), 'airlock-scan-build-'));
  // Emits even when another part of the tree has type errors: the scanner's files are what run.
  spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.json',
      '--outDir',
      out,
      '--noEmit',
      'false',
      '--sourceMap',
      'false',
    ],
    { cwd: ROOT, stdio: 'ignore', timeout: 10 * 60 * 1000 },
  );
  await symlink(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
  await copyFile(path.join(ROOT, 'package.json'), path.join(out, 'package.json'));
  return out;
}

const mbps = (bytes: number, s: number): string => (bytes / 1e6 / s).toFixed(1);

export async function runScanBench(): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'airlock-scan-bench-'));
  const lines: string[] = [];
  try {
    const build = await buildAirlock();
    const cli = path.join(build, 'src/cli/main.js');
    const corpus = path.join(work, 'corpus');
    const files = Math.max(4, Math.round(CORPUS_MB / 2));
    const bytes = await generateCorpus(corpus, files, 2 * 1024 * 1024);
    const rc = path.join(work, 'secretlintrc.json');
    await writeFile(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));

    const airlock = (extra: string[]): Run =>
      timed(
        process.execPath,
        [
          cli,
          'scan',
          corpus,
          '--format',
          'json',
          '--output',
          path.join(work, 'airlock.json'),
          '--fail-on',
          'critical',
          '--no-progress',
          ...extra,
        ],
        ROOT,
      );
    const secretlint = (): Run =>
      timed(
        process.execPath,
        [
          path.join(ROOT, 'node_modules/secretlint/bin/secretlint.js'),
          `${corpus}/**/*`,
          '--secretlintrc',
          rc,
          '--format',
          'compact',
          '--output',
          path.join(work, 'secretlint.txt'),
        ],
        ROOT,
      );

    // Warm the page cache so neither tool pays the first read from disk.
    spawnSync('sh', ['-c', `cat $(find ${corpus} -type f) > /dev/null`]);
    const load = loadavg()[0]!.toFixed(1);
    const rounds: { s: Run; a: Run; a1: Run }[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      rounds.push({ s: secretlint(), a: airlock([]), a1: airlock(['--workers', '0']) });
    }
    const s = medianRun(rounds.map((r) => r.s));
    const a = medianRun(rounds.map((r) => r.a));
    const a1 = medianRun(rounds.map((r) => r.a1));
    lines.push(
      `Corpus: ${files} files, ${(bytes / 1e6).toFixed(0)} MB (Claude Code, Codex, Gemini CLI JSONL and HAR; real source text as tool results). ` +
        `Cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'cpu'}); load average at start ${load}, at end ${loadavg()[0]!.toFixed(1)}. ` +
        `Medians of ${ROUNDS} interleaved rounds (peak RSS: the highest).`,
      '',
      '| tool (whole process) | wall s | MB/s (wall) | CPU s | MB per CPU-second | peak RSS MB | exit |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...[
        ['secretlint 12 (preset-recommend)', s],
        [
          `airlock scan (default: ${
            bytes < 128 * 1024 * 1024
              ? 'one thread, input under 128 MiB'
              : bytes < 256 * 1024 * 1024
                ? `main thread + ${availableParallelism() - 1} worker thread(s)`
                : `${availableParallelism()} worker threads`
          })`,
          a,
        ],
        ['airlock scan (--workers 0, one thread)', a1],
      ].map(([name, r]) => {
        const run = r as Run;
        return `| ${String(name)} | ${run.wallS.toFixed(2)} | ${mbps(bytes, run.wallS)} | ${run.cpuS.toFixed(2)} | ${mbps(bytes, run.cpuS)} | ${run.rssMB.toFixed(0)} | ${run.timedOut ? 'timed out' : run.code} |`;
      }),
      '',
      `airlock / secretlint: ${(s.wallS / a.wallS).toFixed(2)}x by wall time (rounds ${range(rounds.map((r) => r.s.wallS / r.a.wallS))}), ` +
        `${(s.cpuS / a.cpuS).toFixed(2)}x by CPU time (rounds ${range(rounds.map((r) => r.s.cpuS / r.a.cpuS))}); ` +
        `one thread: ${(s.wallS / a1.wallS).toFixed(2)}x by wall, ${(s.cpuS / a1.cpuS).toFixed(2)}x by CPU ` +
        '(on a shared, loaded machine wall time depends on the other processes; CPU time much less).',
    );
    await rm(corpus, { recursive: true, force: true });

    if (BIG_MB > 0) {
      const big = path.join(work, 'big');
      const bigFiles = 8;
      const bigBytes = await generateCorpus(big, bigFiles, Math.round((BIG_MB * 1024 * 1024) / bigFiles));
      const r = timed(
        process.execPath,
        [
          cli,
          'scan',
          big,
          '--format',
          'json',
          '--output',
          path.join(work, 'big.json'),
          '--fail-on',
          'critical',
          '--no-progress',
        ],
        ROOT,
      );
      lines.push(
        '',
        `Large input: ${bigFiles} files, ${(bigBytes / 1e9).toFixed(2)} GB: ${r.wallS.toFixed(1)} s wall (${mbps(bigBytes, r.wallS)} MB/s), ` +
          `${r.cpuS.toFixed(1)} CPU s (${mbps(bigBytes, r.cpuS)} MB per CPU-second), peak RSS ${r.rssMB.toFixed(0)} MB, ` +
          `${r.timedOut ? `timed out after ${TIMEOUT_S} s` : `exit ${r.code}`}; ` +
          `load average ${loadavg()[0]!.toFixed(1)}.`,
      );
      await rm(big, { recursive: true, force: true });
    }
    await rm(build, { recursive: true, force: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await runScanBench()}\n`);
}
