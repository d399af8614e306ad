/**
 * The real coding CLIs accept the simulator's answers: each one gets a tool call that reads the
 * file named in the prompt (the path taken from its own request with `fromRequest`), runs it,
 * sends the file's content back, and prints the final answer that repeats it.
 *
 * Each test runs when its CLI is installed: the pinned devDependency in `node_modules/.bin`, or
 * the one in `$AIRLOCK_CLI_BIN_DIR` (see test/helpers/cli-bin.ts), and is skipped with the
 * reason otherwise. Each CLI runs with a made-up HOME and an environment built from scratch, so
 * no real key or config of this machine is used.
 */
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimulator } from '../../src/simulator/index.js';
import { CLI_BIN_DIR as BIN_DIR } from '../helpers/cli-bin.js';
import { REAL_CLIS } from '../helpers/real-cli-table.js';
import type { Simulator } from '../../src/simulator/index.js';

const CLI_TIMEOUT_MS = 150_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('simulator: real coding CLIs accept its answers', () => {
  let sim: Simulator;
  let root: string;

  before(async () => {
    sim = await startSimulator();
    root = await mkdtemp(path.join(os.tmpdir(), 'airlock-clis-'));
  });
  after(async () => {
    await sim.close();
    await rm(root, { recursive: true, force: true });
  });

  for (const cli of REAL_CLIS) {
    it(
      `${cli.name} runs a read-file tool call and answers with the file's content`,
      { timeout: CLI_TIMEOUT_MS + 30_000 },
      async (t: TestContext) => {
        const bin = path.join(BIN_DIR, cli.bin);
        if (!existsSync(bin)) {
          t.skip(`${cli.bin} is not installed in ${BIN_DIR} (set AIRLOCK_CLI_BIN_DIR)`);
          return;
        }
        const home = path.join(root, cli.bin, 'home');
        const project = path.join(root, cli.bin, 'project');
        await mkdir(home, { recursive: true });
        await mkdir(project, { recursive: true });
        const secret = `AIRLOCK_NOTE=${randomBytes(8).toString('hex')}`;
        const file = path.join(project, 'notes.txt');
        await writeFile(file, `${secret}\n`);
        sim.reset();
        sim.setScript(
          cli.script([{ text: 'The file says ' }, { text: { fromRequest: '(AIRLOCK_NOTE=\\w+)' } }]),
        );
        const env = {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: home,
          TERM: 'dumb',
          ...(await cli.setup(home, sim.urls)),
        };
        const result = await run(bin, cli.args(`please read ${file} now`), env, project);
        const detail = `exit ${result.code}\nstdout:\n${result.stdout.slice(-2000)}\nstderr:\n${result.stderr.slice(-2000)}`;
        assert.equal(result.code, 0, detail);
        assert.ok(result.stdout.includes(secret), `the final answer repeats the file's content\n${detail}`);
        // The secret exists only in the file: the CLI ran the scripted tool call on the path it sent.
        const sawToolResult = sim.received.some((r) => r.body.toString('utf8').includes(secret));
        assert.ok(sawToolResult, 'a request carried the tool result back to the simulator');
      },
    );
  }
});
