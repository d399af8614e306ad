/**
 * `airlock scan` benchmark, whole process, against secretlint (recommended preset) on the same
 * generated corpus in the same run: assistant transcripts and HAR captures in real record
 * shapes whose bulk is real source text (bench/scan-corpus.ts). Then peak memory on a large
 * input (default 2 GB, generated in /tmp and deleted after).
 *
 * Airlock runs from a compiled copy (tsc into a temp dir, as `dist/` would be) so worker
 * threads start without a TypeScript loader. Every run is bounded by a timeout.
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
const TIMEOUT_MS = 20 * 60 * 1000;

interface Run {
  wallS: number;
  /** User + system CPU seconds of the whole process (all threads). */
  cpuS: number;
  rssMB: number;
  code: number | null;
}

/** Runs a command under /usr/bin/time for wall time and peak RSS (all threads of the process). */
function timed(cmd: string, args: string[], cwd: string): Run {
  const res = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(res.stderr ?? '');
  if (!m) throw new Error(`no timing from ${cmd} ${args.join(' ')}: ${res.stderr?.slice(-2000)}`);
  return {
    wallS: Number(m[1]),
    cpuS: Number(m[3]) + Number(m[4]),
    rssMB: Number(m[2]) / 1024,
    code: res.status,
  };
}

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
    { cwd: ROOT, stdio: 'ignore', timeout: TIMEOUT_MS },
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
    const cli = path.join(build, 'bench/scan-cli.js');
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
          'json',
          '--output',
          path.join(work, 'secretlint.json'),
        ],
        ROOT,
      );

    // Warm the page cache so neither tool pays the first read from disk.
    spawnSync('sh', ['-c', `cat $(find ${corpus} -type f) > /dev/null`]);
    const load = loadavg()[0]!.toFixed(1);
    const s = secretlint();
    const a = airlock([]);
    const a1 = airlock(['--workers', '0']);
    lines.push(
      `Corpus: ${files} files, ${(bytes / 1e6).toFixed(0)} MB (Claude Code, Codex, Gemini CLI JSONL and HAR; real source text as tool results). ` +
        `Cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'cpu'}); load average at start ${load}.`,
      '',
      '| tool (whole process) | wall s | MB/s (wall) | CPU s | MB per CPU-second | peak RSS MB | exit |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...[
        ['secretlint 12 (preset-recommend)', s],
        [`airlock scan (${availableParallelism()} workers)`, a],
        ['airlock scan (--workers 0, one thread)', a1],
      ].map(([name, r]) => {
        const run = r as Run;
        return `| ${String(name)} | ${run.wallS.toFixed(2)} | ${mbps(bytes, run.wallS)} | ${run.cpuS.toFixed(2)} | ${mbps(bytes, run.cpuS)} | ${run.rssMB.toFixed(0)} | ${run.code} |`;
      }),
      '',
      `airlock / secretlint: ${(s.wallS / a.wallS).toFixed(2)}x by wall time, ${(s.cpuS / a.cpuS).toFixed(2)}x by CPU time ` +
        '(on a shared, loaded machine wall time depends on the other processes; CPU time does not).',
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
          `${r.cpuS.toFixed(1)} CPU s (${mbps(bigBytes, r.cpuS)} MB per CPU-second), peak RSS ${r.rssMB.toFixed(0)} MB, exit ${r.code}; ` +
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
