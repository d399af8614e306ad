/**
 * Runs the wrapped command in the foreground and reports how it ended, the way a shell would:
 * the exit code, or 128 + the signal number when a signal ended it.
 *
 * Terminal behaviour: stdio is inherited, so the child owns the same TTY (raw mode, colours,
 * window size, job control). Keys like Ctrl-C and a window resize make the kernel signal the
 * whole foreground process group — the child gets SIGINT/SIGWINCH straight from the terminal,
 * and forwarding them again would deliver them twice (Claude Code exits on a second Ctrl-C). So
 * with a TTY, airlock only absorbs SIGINT/SIGQUIT (it must outlive the child to clean up) and
 * forwards the signals that target it alone: SIGTERM and SIGHUP (kill, a closing terminal).
 * Without a TTY (scripts, CI) a SIGINT is sent to airlock alone, so it is forwarded too.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface SpawnOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Whether terminal-generated signals reach the child directly; default: stdin is a TTY. */
  sharedTerminal?: boolean;
}

export interface ChildOutcome {
  /** The code airlock exits with. */
  exitCode: number;
  signal?: NodeJS.Signals;
  /** Set when the command could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

const ALWAYS_FORWARD: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export function runChild(opts: SpawnOptions): Promise<ChildOutcome> {
  const shared = opts.sharedTerminal ?? process.stdin.isTTY === true;
  return new Promise((resolve) => {
    const child = spawn(opts.command, [...opts.args], { stdio: 'inherit', env: opts.env });
    const handlers = new Map<NodeJS.Signals, () => void>();
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of ALWAYS_FORWARD) handlers.set(signal, forward(signal));
    for (const signal of TERMINAL_SIGNALS) {
      // With a shared TTY: absorb (the child already got it); else forward.
      handlers.set(signal, shared ? () => {} : forward(signal));
    }
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      // 127 / 126: what a shell answers for "not found" / "not executable".
      const exitCode = err.code === 'ENOENT' ? 127 : 126;
      resolve({
        exitCode,
        spawnError: `${opts.command}: ${err.code === 'ENOENT' ? 'command not found' : err.message}`,
      });
    });
    child.once('exit', (code, signal) => {
      cleanup();
      if (signal) resolve({ exitCode: signalExitCode(signal), signal });
      else resolve({ exitCode: code ?? 0 });
    });
  });
}
