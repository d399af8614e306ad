/**
 * `airlock run` in a real terminal: tmux gives the command a pseudo-terminal; keys are typed with
 * send-keys and the screen read with capture-pane. Checks input, TTY/colours/window size, Ctrl-C
 * (delivered once, by the terminal) and the exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AIRLOCK_ARGV, baseEnv, fixture, NO_GATEWAY, ROOT, tempDir } from './helpers.js';

const TMUX = '/usr/bin/tmux';
const socket = `airlock-test-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync(TMUX, ['-L', socket, '-f', '/dev/null', ...args], {
    encoding: 'utf8',
    env: { ...baseEnv(), TERM: 'xterm-256color' },
  });
  if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

async function waitForScreen(session: string, pattern: RegExp, timeoutMs = 40_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
    if (pattern.test(screen)) return screen;
    await sleep(200);
  }
  throw new Error(`screen never matched ${pattern}:\n${screen}`);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test(
  'input, terminal, window size, Ctrl-C and the exit code pass through airlock run',
  { skip: !existsSync(TMUX) && 'tmux not installed', timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const exitFile = join(dir, 'exit');
    const session = 'run';
    const command = [
      process.execPath,
      ...AIRLOCK_ARGV,
      'run',
      '--gateway',
      NO_GATEWAY,
      '--data-dir',
      join(dir, 'data'),
      '--',
      process.execPath,
      fixture('interactive.mjs'),
    ]
      .map(quote)
      .join(' ');
    // The wrapper shell shares the terminal's process group: it traps SIGINT (a handler, which the
    // command does not inherit, unlike an ignored signal) so that Ctrl-C does not end it too.
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '100',
      '-y',
      '30',
      '-c',
      ROOT,
      `sh -c ${quote(`trap : INT; ${command}; echo "EXIT=$?" > ${quote(exitFile)}; sleep 60`)}`,
    );
    try {
      const first = await waitForScreen(session, /name\?/);
      assert.match(first, /tty=true colors=true cols=100/);
      tmux('send-keys', '-t', session, 'world', 'Enter');
      await waitForScreen(session, /hello world[\s\S]*press Ctrl-C/);
      tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
      await waitForScreen(session, /resized cols=120 rows=40/);
      tmux('send-keys', '-t', session, 'C-c');
      const deadline = Date.now() + 40_000;
      while (!existsSync(exitFile) && Date.now() < deadline) await sleep(200);
      const screen = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
      assert.equal(readFileSync(exitFile, 'utf8').trim(), 'EXIT=3', screen);
      assert.match(screen, /got SIGINT #1/);
      assert.doesNotMatch(screen, /got SIGINT #2/, 'Ctrl-C reached the command once, not twice');
      assert.doesNotMatch(screen, /"level"|pino/, 'no airlock log lines on the terminal');
    } finally {
      spawnSync(TMUX, ['-L', socket, 'kill-server']);
    }
  },
);
