/** Starts `airlock` (src/cli/main.ts through tsx) as a real child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const AIRLOCK_ENTRY = join(ROOT, 'src/cli/main.ts');
/** tsx's loader by absolute URL, so the CLI starts from any working directory. */
export const TSX_IMPORT = import.meta.resolve('tsx');
/** argv (after node) that starts the airlock CLI. */
export const AIRLOCK_ARGV = ['--import', TSX_IMPORT, AIRLOCK_ENTRY];
export const fixture = (name: string) => join(ROOT, 'test/run/fixtures', name);

/** A port nothing listens on: the "no gateway here" address for --gateway. */
export const NO_GATEWAY = 'http://127.0.0.1:1';

export function tempDir(prefix = 'airlock-run-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment a test child starts from: a small, made-up one (no real proxy settings). */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: tempDir('airlock-home-'), LANG: 'C.UTF-8', ...extra };
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stdout has contained `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Everything printed on stdout so far. */
  stdout(): string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [...AIRLOCK_ARGV, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    for (const w of waiters.filter((x) => stdout.includes(x.text))) w.resolve();
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((res) => {
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    stdout: () => stdout,
    waitFor(text, timeoutMs = 30_000) {
      if (stdout.includes(text)) return Promise.resolve();
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () =>
            rej(new Error(`no "${text}" on stdout after ${timeoutMs} ms; stdout=${stdout} stderr=${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            res();
          },
        });
      });
    },
  };
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv) {
  return startCli(args, env).done;
}
